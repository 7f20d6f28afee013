import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { costUsd } from "@sluice/llm";
import { startEmulator } from "@sluice/llm-emulator";
import { type Bound, lowerBound } from "../bound.js";
import { type EmulatorTruth, emulatorTruth } from "../harness/emulator-truth.js";
import { integer, megabytes, seconds } from "../harness/format.js";
import { runProcess } from "../harness/processes.js";
import { type Benchmark, measureBenchmark, type RunOptions } from "../harness/report.js";
import { ratio, type Summary, summarize } from "../harness/stats.js";
import { makeDocument, seededRandom } from "../workloads.js";
import { startLimitProxy } from "./app/proxy.js";
import { type AppSettings, FAKE_KEY, MODEL, settingsFor } from "./app/settings.js";
import { appTable, truthTable } from "./app/tables.js";

/**
 * The summarizer CLI (apps/summarizer) on 1,000 and 4,000 generated documents of mixed length, against the
 * emulator, as a user would run it: `summarize <dir> --provider anthropic --base-url <url> --json`.
 */

const APP_DIR = fileURLToPath(new URL("../../../apps/summarizer/", import.meta.url));
const BUILT_CLI = path.join(APP_DIR, "dist", "cli.js");
const SOURCE_CLI = path.join(APP_DIR, "src", "cli.ts");
const RSS_PRELOAD = fileURLToPath(new URL("../harness/rss-preload.cjs", import.meta.url));

/** How the CLI was started: the built bin, or its source through tsx when it has not been built. */
export type Launch =
  | { readonly how: "built" | "source"; readonly command: string[] }
  | { readonly how: "missing" };

/** What the summarizer's --json report says (the fields the benchmark reads). */
export interface CliReport {
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
  readonly emulator: EmulatorTruth;
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
  title: "The app: the summarizer CLI on 1,000 and 4,000 documents against the emulator",
  description:
    "apps/summarizer on 1,000 and 4,000 generated documents of mixed length: makespan vs the lower bound, 429s, peak RSS and its growth with the corpus, reported cost vs the emulator's ground truth.",
  run: (options) => runApp(options),
};

async function runApp(options: RunOptions) {
  const rounds = options.rounds ?? (options.smoke ? 1 : 2);
  return measureBenchmark(appBenchmark, options, rounds, async () => {
    const base = settingsFor(options.smoke);
    const launch = findCli();
    const corpora: { settings: AppSettings; runs: AppRun[]; summary: AppSummary | undefined }[] = [];
    if (launch.how !== "missing") {
      const workDir = await mkdtemp(path.join(os.tmpdir(), "sluice-bench-app-"));
      try {
        for (const documents of base.corpora) {
          const settings = { ...base, documents };
          const docsDir = path.join(workDir, `docs-${documents}`);
          const lengths = await writeDocuments(docsDir, settings);
          options.log(
            `app: ${documents} documents, ${integer(lengths.reduce((sum, tokens) => sum + tokens, 0))} tokens in all`,
          );
          const runs: AppRun[] = [];
          for (let round = 1; round <= rounds; round++) {
            const outDir = path.join(workDir, `out-${documents}-${round}`);
            const run = await runOnce(launch, docsDir, outDir, settings, round);
            runs.push(run);
            options.log(
              `app ${documents} documents, round ${round}: ${run.ok ? `${seconds(run.wallMs)}, ${run.emulator.admitted} calls, ${run.emulator.rateLimited} 429s, peak ${megabytes(run.peakKb)}` : `FAILED ${run.error}`}`,
            );
            await rm(outDir, { recursive: true, force: true });
          }
          corpora.push({ settings, runs, summary: runs.length === 0 ? undefined : summarizeApp(runs) });
          await rm(docsDir, { recursive: true, force: true });
        }
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    } else {
      options.log("app: apps/summarizer has neither dist/cli.js nor src/cli.ts; reported as pending");
    }
    const first = corpora.find((corpus) => corpus.summary !== undefined);
    return {
      tables: [
        appTable(base, launch, corpora, rounds),
        ...(first?.summary ? [truthTable(first.summary, first.runs)] : []),
      ],
      settings: {
        ...base,
        model: MODEL,
        launch: launch.how,
        cli: launch.how === "missing" ? null : launch.command,
      },
      results: {
        runs: corpora.flatMap((corpus) =>
          corpus.runs.map((run) => ({ documents: corpus.settings.documents, ...run })),
        ),
        summaries: corpora.map((corpus) => ({
          documents: corpus.settings.documents,
          summary: corpus.summary ?? null,
        })),
        // The first corpus's, as before corpus sizes were added.
        summary: first?.summary ?? null,
        pending: launch.how === "missing",
      },
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
  const rssFile = `${outDir}.rss.json`;
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
    const truth = emulatorTruth(stats);
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
