import { fixed, integer, megabytes, percent, seconds } from "../../harness/format.js";
import { ratio } from "../../harness/stats.js";
import type { Table } from "../../harness/table.js";
import type { AppRun, AppSummary, Launch } from "../app.js";
import { type AppSettings, MODEL } from "./settings.js";

// The app benchmark's report tables (the runs themselves are in ../app.ts).

/** One corpus size's runs, summarized. */
export interface AppCorpus {
  readonly settings: AppSettings;
  readonly summary: AppSummary | undefined;
}

/** The headline table: makespan against the bound, 429s, memory and cost, one row per corpus size. */
export function appTable(
  settings: AppSettings,
  launch: Launch,
  corpora: readonly AppCorpus[],
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
  const numeric = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const notes = [
    `\`summarize <dir> --provider anthropic --base-url <emulator> --model ${MODEL} --concurrency ${settings.concurrency} --json --no-progress\` with a fake ANTHROPIC_API_KEY; the CLI learns the limits from the headers. Median of ${rounds} run(s) per corpus.`,
    `Emulator limits ${integer(settings.limits.requestsPerMinute)} RPM / ${integer(settings.limits.inputTokensPerMinute)} ITPM / ${integer(settings.limits.outputTokensPerMinute)} OTPM per provider minute, time scale ${settings.timeScale} (a minute lasts ${fixed(60 / settings.timeScale, 1)} s); latency ${settings.latency.firstTokenMs} ms + ${settings.latency.perOutputTokenMs} ms per output token ÷ ${settings.timeScale}. A pass-through proxy restates the limit headers per real minute, since the CLI's throttle runs on the wall clock.`,
    "Makespan is measured from spawning the CLI to its exit (Node start, reading and writing files included). The bound uses the calls, input and output tokens the emulator served (map and reduce calls; the reduce step's dependency on its parts is ignored, so the bound is optimistic), with full buckets at the start.",
    "Each larger corpus is the smaller one plus more documents drawn from the same seed and mix.",
    "Cost reported = the CLI's total; ground truth = the emulator's token counters at @sluice/llm's price for the model.",
  ];
  if (launch.how === "missing" || corpora.length === 0) {
    return {
      title: "The app: summarizer CLI (pending)",
      header,
      rows: settings.corpora.map((documents) => [
        integer(documents),
        "—",
        "pending",
        "—",
        "—",
        "—",
        "—",
        "—",
        "—",
        "—",
      ]),
      numeric,
      notes: [
        "apps/summarizer is not there yet: this benchmark is implemented against its documented interface.",
        ...notes,
      ],
    };
  }
  if (launch.how === "source")
    notes.push("The CLI was not built: it ran from source through tsx (higher startup and memory).");
  const measured = corpora.filter(
    (corpus) => corpus.summary !== undefined && corpus.summary.peakKb.count > 0,
  );
  if (measured.length > 1) {
    const small = measured[0]!;
    const large = measured[measured.length - 1]!;
    notes.push(
      `Peak RSS from ${integer(small.settings.documents)} to ${integer(large.settings.documents)} documents (${fixed(large.settings.documents / small.settings.documents, 0)}× the corpus): ${megabytes(small.summary!.peakKb.median)} → ${megabytes(large.summary!.peakKb.median)}, ${fixed(large.summary!.peakKb.median / small.summary!.peakKb.median, 2)}×.`,
    );
  }
  const sizes = corpora.map((corpus) => integer(corpus.settings.documents)).join(" and ");
  return {
    title: `The app: summarizing ${sizes} documents of mixed length`,
    header,
    numeric,
    rows: corpora.map(({ settings: corpus, summary }) =>
      summary === undefined
        ? [integer(corpus.documents), "—", "no run", "—", "—", "—", "—", "—", "—", "—"]
        : [
            integer(corpus.documents),
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
    ),
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
