import { fixed, integer, megabytes, percent, seconds } from "../../harness/format.js";
import { ratio } from "../../harness/stats.js";
import type { Table } from "../../harness/table.js";
import type { AppRun, AppSummary, Launch } from "../app.js";
import { type AppSettings, MODEL } from "./settings.js";

// The app benchmark's report tables (the runs themselves are in ../app.ts).

/** The headline table: makespan against the bound, 429s, memory and cost. */
export function appTable(
  settings: AppSettings,
  launch: Launch,
  summary: AppSummary | undefined,
  rounds: number,
): Table {
  const header = [
    "documents",
    "calls",
    "makespan",
    "lower bound",
    "% of bound",
    "429s",
    "attempts/call",
    "peak RSS",
    "cost reported",
    "cost (ground truth)",
  ];
  const notes = [
    `\`summarize <dir> --provider anthropic --base-url <emulator> --model ${MODEL} --concurrency ${settings.concurrency} --json --no-progress\` with a fake ANTHROPIC_API_KEY; the CLI learns the limits from the headers. Median of ${rounds} run(s).`,
    `Emulator limits ${integer(settings.limits.requestsPerMinute)} RPM / ${integer(settings.limits.inputTokensPerMinute)} ITPM / ${integer(settings.limits.outputTokensPerMinute)} OTPM per provider minute, time scale ${settings.timeScale} (a minute lasts ${fixed(60 / settings.timeScale, 1)} s); latency ${settings.latency.firstTokenMs} ms + ${settings.latency.perOutputTokenMs} ms per output token ÷ ${settings.timeScale}. A pass-through proxy restates the limit headers per real minute, since the CLI's throttle runs on the wall clock.`,
    "Makespan is measured from spawning the CLI to its exit (Node start, reading and writing files included). The bound uses the calls, input and output tokens the emulator served (map and reduce calls; the reduce step's dependency on its parts is ignored, so the bound is optimistic), with full buckets at the start.",
    "Cost reported = the CLI's total; ground truth = the emulator's token counters at @sluice/llm's price for the model.",
  ];
  if (launch.how === "missing" || summary === undefined) {
    return {
      title: "The app: summarizer CLI (pending)",
      header,
      rows: [[integer(settings.documents), "—", "pending", "—", "—", "—", "—", "—", "—", "—"]],
      numeric: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      notes: [
        "apps/summarizer is not there yet: this benchmark is implemented against its documented interface.",
        ...notes,
      ],
    };
  }
  if (launch.how === "source")
    notes.push("The CLI was not built: it ran from source through tsx (higher startup and memory).");
  return {
    title: `The app: summarizing ${integer(settings.documents)} documents of mixed length`,
    header,
    numeric: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    rows: [
      [
        integer(settings.documents),
        integer(summary.calls),
        summary.wallMs.count === 0 ? `failed (${summary.failedRuns})` : seconds(summary.wallMs.median),
        seconds(summary.boundMs),
        percent(summary.ofBound),
        integer(summary.rateLimited.median),
        fixed(summary.attemptsPerCall.median, 2),
        megabytes(summary.peakKb.median),
        Number.isFinite(summary.reportedCostUsd) ? `$${summary.reportedCostUsd.toFixed(4)}` : "—",
        Number.isFinite(summary.groundTruthCostUsd) ? `$${summary.groundTruthCostUsd.toFixed(4)}` : "—",
      ],
    ],
    notes,
  };
}

/** What the CLI reported about its own run next to what the emulator counted. */
export function truthTable(summary: AppSummary, runs: readonly AppRun[]): Table {
  const reference = runs.find((run) => run.ok) ?? runs[0]!;
  const reported = reference.report;
  const row = (
    what: string,
    fromCli: number | undefined,
    truth: number,
    format: (value: number) => string,
  ) => [
    what,
    fromCli === undefined || !Number.isFinite(fromCli) ? "—" : format(fromCli),
    format(truth),
    fromCli === undefined ? "—" : percent(ratio(fromCli - truth, truth), 2),
  ];
  const dollars = (value: number) => `$${value.toFixed(4)}`;
  return {
    title: "The app: what the CLI reported vs the emulator's ground truth (first successful run)",
    header: ["", "CLI report", "emulator", "difference"],
    numeric: [1, 2, 3],
    rows: [
      row("successful calls", reported?.calls.succeeded, reference.emulator.admitted, integer),
      row("HTTP attempts", reported?.calls.attempts, reference.emulator.requests, integer),
      row("429s", reported?.calls.rateLimited, reference.emulator.rateLimited, integer),
      row("input tokens", summary.reportedTokens.input, summary.groundTruthTokens.input, integer),
      row("output tokens", summary.reportedTokens.output, summary.groundTruthTokens.output, integer),
      row("cost", summary.reportedCostUsd, summary.groundTruthCostUsd, dollars),
      row("wall time (CLI's own clock vs spawn to exit)", reported?.wallMs, reference.wallMs, (ms) =>
        seconds(ms),
      ),
    ],
    notes: [
      reported?.percentOfBound === undefined
        ? "The CLI reported no bound."
        : `The CLI's own bound (the same formula from its own counts, a minute's burst at the start): ${seconds(reported.lowerBoundMs ?? Number.NaN)}, and it put its wall time at ${fixed(reported.percentOfBound, 0)}% of it.`,
    ],
  };
}
