import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { costUsd } from "@sluice/llm";
import { type EmulatorStats, startEmulator } from "@sluice/llm-emulator";
import { type Bound, lowerBound } from "../bound.js";
import { fixed, integer, megabytes, percent, seconds } from "../harness/format.js";
import { track } from "../harness/processes.js";
import { type Benchmark, measureBenchmark, type RunOptions } from "../harness/report.js";
import { ratio, type Summary, summarize } from "../harness/stats.js";
import type { Table } from "../harness/table.js";
import { type MinuteLimits, makeDocument, seededRandom } from "../workloads.js";
import { startLimitProxy } from "./app/proxy.js";

/**
 * The summarizer CLI (apps/summarizer) on 1,000 generated documents of mixed length, against the
 * emulator, as a user would run it: `summarize <dir> --provider anthropic --base-url <url> --json`.
 */

const APP_DIR = fileURLToPath(new URL("../../../apps/summarizer/", import.meta.url));
const BUILT_CLI = path.join(APP_DIR, "dist", "cli.js");
const SOURCE_CLI = path.join(APP_DIR, "src", "cli.ts");
const RSS_PRELOAD = fileURLToPath(new URL("../harness/rss-preload.cjs", import.meta.url));
const MODEL = "claude-haiku-4-5";
const FAKE_KEY = "sk-ant-bench-not-a-real-key";

interface AppSettings {
  readonly documents: number;
  readonly seed: number;
  readonly timeScale: number;
  readonly limits: MinuteLimits;
  readonly latency: {
    readonly firstTokenMs: number;
    readonly perOutputTokenMs: number;
    readonly jitter: number;
  };
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/** How the CLI was started: the built bin, or its source through tsx when it has not been built. */
type Launch = { readonly how: "built" | "source"; readonly command: string[] } | { readonly how: "missing" };

/** What the summarizer's --json report says (the fields the benchmark reads). */
interface CliReport {
  readonly exitCode: number;
  readonly status: string;
  readonly inputs: {
    readonly total: number;
    readonly ok: number;
    readonly error: number;
    readonly skipped: number;
  };
  readonly calls: { readonly succeeded: number; readonly attempts: number; readonly rateLimited: number };
  readonly tokens: { readonly input: number; readonly output: number };
  readonly costUsd: number | null;
  readonly wallMs: number;
  readonly lowerBoundMs?: number;
  readonly percentOfBound?: number;
}

export interface AppRun {
  readonly round: number;
  readonly launch: Launch["how"];
  readonly ok: boolean;
  readonly error?: string;
  readonly exitCode: number | null;
  /** From spawning the CLI to its exit, real ms. */
  readonly wallMs: number;
  readonly peakKb: number;
  readonly report?: CliReport;
  readonly emulator: Pick<
    EmulatorStats,
    "requests" | "admitted" | "rateLimited" | "overloaded" | "inputTokens" | "outputTokens" | "maxConcurrent"
  >;
  readonly bound?: Bound;
  readonly groundTruthCostUsd?: number;
}

export interface AppSummary {
  readonly launch: Launch["how"];
  readonly wallMs: Summary;
  readonly ofBound: number;
  readonly boundMs: number;
  readonly rateLimited: Summary;
  readonly attemptsPerCall: Summary;
  readonly peakKb: Summary;
  readonly calls: number;
  readonly reportedCostUsd: number;
  readonly groundTruthCostUsd: number;
  readonly reportedTokens: { readonly input: number; readonly output: number };
  readonly groundTruthTokens: { readonly input: number; readonly output: number };
  readonly failedRuns: number;
}

export const appBenchmark: Benchmark = {
  name: "app",
  title: "The app: the summarizer CLI on 1,000 documents against the emulator",
  description:
    "apps/summarizer on 1,000 generated documents of mixed length: makespan vs the lower bound, 429s, peak RSS, reported cost vs the emulator's ground truth.",
  run: (options) => runApp(options),
};

function settingsFor(smoke: boolean): AppSettings {
  return smoke
    ? {
        documents: 30,
        seed: 21,
        timeScale: 60,
        limits: { requestsPerMinute: 60, inputTokensPerMinute: 30_000, outputTokensPerMinute: 10_000 },
        latency: { firstTokenMs: 500, perOutputTokenMs: 10, jitter: 0.2 },
        concurrency: 8,
        timeoutMs: 60_000,
      }
    : {
        documents: 1_000,
        seed: 21,
        timeScale: 15,
        limits: { requestsPerMinute: 400, inputTokensPerMinute: 300_000, outputTokensPerMinute: 120_000 },
        latency: { firstTokenMs: 500, perOutputTokenMs: 10, jitter: 0.2 },
        concurrency: 32,
        timeoutMs: 240_000,
      };
}

async function runApp(options: RunOptions) {
  const rounds = options.rounds ?? (options.smoke ? 1 : 2);
  return measureBenchmark(appBenchmark, options, rounds, async () => {
    const settings = settingsFor(options.smoke);
    const launch = findCli();
    const runs: AppRun[] = [];
    if (launch.how !== "missing") {
      const workDir = await mkdtemp(path.join(os.tmpdir(), "sluice-bench-app-"));
      try {
        const docsDir = path.join(workDir, "docs");
        const lengths = await writeDocuments(docsDir, settings);
        options.log(
          `app: ${settings.documents} documents, ${integer(lengths.reduce((sum, tokens) => sum + tokens, 0))} tokens in all`,
        );
        for (let round = 1; round <= rounds; round++) {
          const run = await runOnce(launch, docsDir, path.join(workDir, `out-${round}`), settings, round);
          runs.push(run);
          options.log(
            `app round ${round}: ${run.ok ? `${seconds(run.wallMs)}, ${run.emulator.admitted} calls, ${run.emulator.rateLimited} 429s, peak ${megabytes(run.peakKb)}` : `FAILED ${run.error}`}`,
          );
        }
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    } else {
      options.log("app: apps/summarizer has neither dist/cli.js nor src/cli.ts; reported as pending");
    }
    const summary = runs.length === 0 ? undefined : summarizeApp(runs);
    return {
      tables: [appTable(settings, launch, summary, rounds), ...(summary ? [truthTable(summary, runs)] : [])],
      settings: {
        ...settings,
        model: MODEL,
        launch: launch.how,
        cli: launch.how === "missing" ? null : launch.command,
      },
      results: { runs, summary: summary ?? null, pending: launch.how === "missing" },
    };
  });
}

function findCli(): Launch {
  if (existsSync(BUILT_CLI)) return { how: "built", command: [process.execPath, BUILT_CLI] };
  if (existsSync(SOURCE_CLI)) {
    // Not built yet (a fresh clone before turbo builds the app): run its source through tsx.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    return { how: "source", command: [process.execPath, "--import", tsx, SOURCE_CLI] };
  }
  return { how: "missing" };
}

/** Mixed lengths: mostly short notes, a quarter of reports, a few long enough to be split into parts. */
async function writeDocuments(directory: string, settings: AppSettings): Promise<number[]> {
  await mkdir(directory, { recursive: true });
  const random = seededRandom(settings.seed);
  const lengths: number[] = [];
  for (let index = 0; index < settings.documents; index++) {
    const draw = random();
    const [low, high] = draw < 0.7 ? [100, 1_500] : draw < 0.95 ? [1_500, 5_000] : [5_000, 9_000];
    const tokens = Math.round(low + random() * (high - low));
    lengths.push(tokens);
    const name = `report-${String(index + 1).padStart(4, "0")}.txt`;
    await writeFile(
      path.join(directory, name),
      `Title: Report ${index + 1}\n\n${makeDocument(tokens, random)}\n`,
    );
  }
  return lengths;
}

async function runOnce(
  launch: Extract<Launch, { command: string[] }>,
  docsDir: string,
  outDir: string,
  settings: AppSettings,
  round: number,
): Promise<AppRun> {
  const emulator = await startEmulator({
    limits: { ...settings.limits },
    timeScale: settings.timeScale,
    latency: { ...settings.latency },
    seed: settings.seed,
  });
  const proxy = await startLimitProxy(emulator.url, settings.timeScale);
  const rssFile = path.join(path.dirname(outDir), `rss-${round}.json`);
  try {
    const [executable, ...prefix] = launch.command;
    const args = [
      "--require",
      RSS_PRELOAD,
      ...prefix,
      docsDir,
      "--out",
      outDir,
      "--provider",
      "anthropic",
      "--base-url",
      proxy.url,
      "--model",
      MODEL,
      "--concurrency",
      String(settings.concurrency),
      "--json",
      "--no-progress",
    ];
    const started = performance.now();
    const exit = await runProcess(executable!, args, settings.timeoutMs, {
      ANTHROPIC_API_KEY: FAKE_KEY,
      SLUICE_BENCH_RSS_FILE: rssFile,
    });
    const wallMs = performance.now() - started;
    const stats = emulator.stats();
    const truth = {
      requests: stats.requests,
      admitted: stats.admitted,
      rateLimited: stats.rateLimited,
      overloaded: stats.overloaded,
      inputTokens: stats.inputTokens,
      outputTokens: stats.outputTokens,
      maxConcurrent: stats.maxConcurrent,
    };
    const peakKb = await readFile(rssFile, "utf8")
      .then((text) => (JSON.parse(text) as { peakKb: number }).peakKb)
      .catch(() => Number.NaN);
    let report: CliReport | undefined;
    try {
      report = JSON.parse(exit.stdout) as CliReport;
    } catch {
      report = undefined;
    }
    const ok = exit.code === 0 && report !== undefined && report.inputs.ok === settings.documents;
    const unbuilt = exit.stderr.includes("ERR_MODULE_NOT_FOUND")
      ? "the summarizer or a package it imports is not built (run `pnpm turbo run build --filter=@sluice/summarizer...`); "
      : "";
    const bound = boundOf(truth, settings);
    return {
      round,
      launch: launch.how,
      ok,
      ...(ok
        ? {}
        : {
            error: `${unbuilt}exit ${exit.code}${exit.timedOut ? " (timed out)" : ""}${report ? `, ${report.inputs.ok}/${settings.documents} ok` : ""}: ${exit.stderr.slice(-1_500).trim()}`,
          }),
      exitCode: exit.code,
      wallMs,
      peakKb,
      ...(report ? { report } : {}),
      emulator: truth,
      bound,
      groundTruthCostUsd:
        costUsd(
          {
            inputTokens: stats.inputTokens,
            outputTokens: stats.outputTokens,
            cacheReadInputTokens: 0,
            cacheCreationInputTokens: 0,
          },
          MODEL,
        ) ?? Number.NaN,
    };
  } finally {
    await proxy.close();
    await emulator.close();
  }
}

/** The bound for the calls the emulator actually served (map and reduce calls alike). */
function boundOf(truth: AppRun["emulator"], settings: AppSettings): Bound {
  const { firstTokenMs, perOutputTokenMs, jitter } = settings.latency;
  const k = settings.timeScale;
  return lowerBound({
    requests: truth.admitted,
    inputTokens: truth.inputTokens,
    outputTokens: truth.outputTokens,
    latencySumMs: (truth.admitted * firstTokenMs + perOutputTokenMs * truth.outputTokens) / k,
    latencyMinMs: ((firstTokenMs + perOutputTokenMs) * (1 - jitter)) / k,
    concurrency: settings.concurrency,
    limits: settings.limits,
    minuteMs: 60_000 / k,
  });
}

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function runProcess(
  executable: string,
  args: readonly string[],
  timeoutMs: number,
  env: Record<string, string>,
): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(executable, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "", ...env },
    });
    track(child);
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-8_000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      stderr += `\n${error.message}`;
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr, timedOut });
    });
  });
}

function summarizeApp(runs: readonly AppRun[]): AppSummary {
  const ok = runs.filter((run) => run.ok);
  const wallMs = summarize(ok.map((run) => run.wallMs));
  const reference = ok[0] ?? runs[0]!;
  const boundMs = reference.bound?.ms ?? Number.NaN;
  return {
    launch: reference.launch,
    wallMs,
    boundMs,
    ofBound: ratio(boundMs, wallMs.median),
    rateLimited: summarize(runs.map((run) => run.emulator.rateLimited)),
    attemptsPerCall: summarize(runs.map((run) => run.emulator.requests / Math.max(1, run.emulator.admitted))),
    peakKb: summarize(ok.map((run) => run.peakKb)),
    calls: reference.emulator.admitted,
    reportedCostUsd: reference.report?.costUsd ?? Number.NaN,
    groundTruthCostUsd: reference.groundTruthCostUsd ?? Number.NaN,
    reportedTokens: {
      input: reference.report?.tokens.input ?? Number.NaN,
      output: reference.report?.tokens.output ?? Number.NaN,
    },
    groundTruthTokens: { input: reference.emulator.inputTokens, output: reference.emulator.outputTokens },
    failedRuns: runs.length - ok.length,
  };
}

function appTable(
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
function truthTable(summary: AppSummary, runs: readonly AppRun[]): Table {
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
