import { promises as fs } from "node:fs";
import path from "node:path";
import type { SluiceEvent } from "@sluice/core";
import { findModelPrice, usageCost } from "@sluice/llm";
import { BATCHES_DIR } from "./batch.js";
import { assumedLatencyMs, lowerBound, type RateLimits } from "./bound.js";
import { Budget, formatBudgetAmount } from "./budget.js";
import { InterruptedError, messageOf, UsageError } from "./errors.js";
import { discoverInputs } from "./inputs.js";
import { type FileRecord, finishedByInput, Journal, STATE_DIR } from "./journal.js";
import {
  type CallRetryOptions,
  type FileJob,
  LoadAndSummarizeFile,
  type Outcome,
  RunControl,
  SummarizeMultipleFiles,
  type SummarizerServices,
  type SummarizerShared,
} from "./nodes.js";
import type { SummarizerOptions } from "./options.js";
import { assignOutputNames, type IndexEntry, type IndexFile, roundUsd, writeIndex } from "./outputs.js";
import { type DryRun, describeDryRun, type Plan, type PlanEntry, planRun } from "./plan.js";
import { ProgressDisplay } from "./progress.js";
import { EMULATOR_SETTINGS, modelIdFor, openProvider, type ProviderSession } from "./providers.js";
import { EXIT, formatDryRun, formatReport, problemsOf, type RunReport, shellQuote } from "./report.js";
import { RunStats } from "./stats.js";
import { traceEvents, withTracing } from "./tracing.js";

/** Where a run writes, what it listens to, and how it was invoked. */
export interface RunIo {
  /** The report (and, for --demo, the summaries); JSON with --json. */
  readonly stdout: NodeJS.WritableStream;
  /** Progress, notes and, with --json, the human report. */
  readonly stderr: NodeJS.WritableStream;
  /** Draw the live bar (true) or print plain progress lines (false). */
  readonly isTTY: boolean;
  readonly cwd: string;
  /** How the program was started, e.g. ["summarize", "docs/", "--out", "s"]; for the resume hint. */
  readonly command: readonly string[];
  /** Aborting it stops the run as Ctrl-C does: in-flight calls are aborted and index.json is written. */
  readonly signal?: AbortSignal;
  /** Retry settings of model calls. Default: 8 attempts, backoff from 1 s to 30 s (retry-after honoured). */
  readonly retry?: CallRetryOptions;
  /** Plain progress line interval. Default 5 s. */
  readonly progressIntervalMs?: number;
}

export interface RunResult {
  readonly exitCode: number;
  readonly report?: RunReport;
  readonly dryRun?: DryRun;
  readonly index?: IndexFile;
}

const DEFAULT_RETRY: CallRetryOptions = { maxRetries: 8, initialDelayMs: 1_000, maxDelayMs: 30_000 };
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * Runs the summarizer: discover the inputs, read and plan them, then summarize every file with
 * `SummarizeMultipleFiles`, writing each summary and its journal record as soon as it is done, and
 * index.json at the end (or on interrupt). Resolves to the exit code; never calls process.exit.
 *
 * @example
 * const { exitCode } = await runSummarizer(resolveOptions(["docs/"], {}, { cwd, env: process.env }),
 *   { stdout: process.stdout, stderr: process.stderr, isTTY: false, cwd, command: ["summarize", "docs/"] });
 */
export async function runSummarizer(options: SummarizerOptions, io: RunIo): Promise<RunResult> {
  const note = (message: string) => io.stderr.write(`${message}\n`);
  const modelId = modelIdFor(options);
  if (options.budget?.unit === "usd" && findModelPrice(modelId) === undefined) {
    throw new UsageError(
      `--budget ${formatBudgetAmount("usd", options.budget.amount)}: no price is known for model ${modelId}, ` +
        'so dollars cannot be counted; give a token budget instead (e.g. --budget "500k tokens").',
    );
  }

  const entries = await discoverInputs(options.inputs, { cwd: io.cwd, outDir: options.outDir });
  const journalRecords = await Journal.read(options.outDir);
  const finished = finishedByInput(journalRecords);
  if (!options.resume && !options.dryRun && !options.demo && finished.size > 0) {
    note(
      `note: ${displayPath(io.cwd, options.outDir)} holds ${finished.size} summaries from an earlier run; ` +
        "they will be redone (add --resume to keep the unchanged ones).",
    );
  }
  const plan = await planRun(entries, {
    maxFileBytes: options.maxFileBytes,
    chunkTokens: options.chunkTokens,
    maxTokens: options.maxTokens,
    outDir: options.outDir,
    ...(options.resume ? { finished } : {}),
  });

  if (options.dryRun) return dryRun(options, plan, modelId, io);

  if (plan.totals.todo === 0 && plan.totals.resumed === 0) {
    const index = buildIndex(plan, new Map(), {
      options,
      modelId,
      interrupted: false,
      complete: false,
    });
    await fs.mkdir(options.outDir, { recursive: true });
    const indexPath = await writeIndex(options.outDir, index);
    const message =
      plan.entries.length === 0
        ? "Nothing to summarize: no inputs."
        : `Nothing to summarize: none of the ${plan.entries.length} inputs could be read as text (see ${displayPath(io.cwd, indexPath)}).`;
    const report = buildReport({
      options,
      modelId,
      endpoint: "-",
      index,
      indexPath: displayPath(io.cwd, indexPath),
      stats: new RunStats(),
      exitCode: EXIT.nothingReadable,
      status: "nothing_readable",
      limits: undefined,
      budget: undefined,
      resumeCommand: undefined,
      outDir: displayPath(io.cwd, options.outDir),
    });
    note(message);
    emitReport(report, options, io);
    return { exitCode: EXIT.nothingReadable, report, index };
  }

  const stats = new RunStats();
  const measure =
    options.budget?.unit === "usd"
      ? (tokens: { inputTokens: number; outputTokens: number }) =>
          usageCost({ ...tokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, modelId, {
            batch: options.batch,
          })?.usd ?? 0
      : (tokens: { inputTokens: number; outputTokens: number }) => tokens.inputTokens + tokens.outputTokens;
  const budget = new Budget(options.budget, measure);

  await fs.mkdir(options.outDir, { recursive: true });
  const journal = await Journal.open(options.outDir);
  let session: ProviderSession | undefined;
  const controller = new AbortController();
  const onExternalAbort = () => controller.abort(io.signal?.reason ?? new InterruptedError("a signal"));
  if (io.signal?.aborted) onExternalAbort();
  io.signal?.addEventListener("abort", onExternalAbort, { once: true });
  let progress: ProgressDisplay | undefined;

  try {
    session = await withTracing(await openProvider(options, stats));
    await journal.append({
      v: 1,
      type: "run",
      at: new Date().toISOString(),
      provider: options.provider,
      model: session.modelId,
      argv: io.command.slice(1),
    });

    // Summary names: those the journal gave out stay with their inputs; new ones never take them.
    const reserved = new Map<string, string>();
    for (const record of finished.values())
      if (record.output !== undefined) reserved.set(record.input, record.output);
    const todo = plan.entries.filter(
      (entry): entry is Extract<PlanEntry, { kind: "todo" }> => entry.kind === "todo",
    );
    const names = assignOutputNames(
      todo.map((entry) => entry.file),
      reserved,
    );
    const jobs: FileJob[] = todo.map((entry, index) => ({
      index,
      file: entry.file,
      output: names.get(entry.file.absolute)!,
    }));
    stats.filesTotal = jobs.length;
    stats.plannedWork = todo.reduce((sum, entry) => sum + entry.estimate.inputTokens, 0);

    const services: SummarizerServices = {
      model: session.model,
      provider: options.provider,
      maxTokens: options.maxTokens,
      chunkTokens: options.chunkTokens,
      maxFileBytes: options.maxFileBytes,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      outDir: options.outDir,
      journal,
      budget,
      stats,
      control: new RunControl(),
      batch: options.batch,
      price: session.price,
      written: new Map(),
      writesInFlight: new Set(),
    };
    const shared: SummarizerShared = { jobs, outcomes: new Map(), work: new Map() };
    const retry = io.retry ?? DEFAULT_RETRY;
    const flow = new SummarizeMultipleFiles(
      services,
      new LoadAndSummarizeFile(services, retry),
      options.batch ? Math.max(1, jobs.length) : options.filesInFlight,
    );

    note(
      `Summarizing ${jobs.length} ${jobs.length === 1 ? "file" : "files"}` +
        `${plan.totals.resumed > 0 ? ` (${plan.totals.resumed} finished earlier, kept)` : ""}` +
        ` with ${session.modelId} via ${session.endpoint}${options.batch ? " as Message Batches" : ""} → ${displayPath(io.cwd, options.outDir)}`,
    );
    progress = new ProgressDisplay(
      { stats, throttle: session.throttle, batchQueue: session.batchQueue },
      {
        mode: !options.progress ? "off" : io.isTTY ? "tty" : "plain",
        stream: io.stderr,
        ...(io.progressIntervalMs === undefined ? {} : { intervalMs: io.progressIntervalMs }),
      },
    );
    progress.start();

    let runError: unknown;
    if (jobs.length > 0) {
      try {
        await flow.run(shared, {
          signal: controller.signal,
          logger: null,
          onEvent: traceEvents(session, (event: SluiceEvent) => {
            if (event.type === "retry") stats.retries += 1;
          }),
        });
      } catch (error) {
        runError = error;
      }
    }
    progress.stop();
    const interrupted = controller.signal.aborted;
    // Summaries whose write was under way when the run stopped: let them land and be journaled.
    await Promise.race([Promise.allSettled([...services.writesInFlight]), delay(5_000)]);
    await journal.flushed();
    if (runError !== undefined && !interrupted)
      note(`error: the run stopped unexpectedly: ${messageOf(runError)}`);

    const outcomes = new Map<number, Outcome>(services.written);
    for (const [index, outcome] of shared.outcomes) outcomes.set(index, outcome);
    const byPath = new Map<string, Outcome>();
    for (const job of jobs) {
      const outcome = outcomes.get(job.index);
      if (outcome !== undefined) byPath.set(job.file.absolute, outcome);
    }
    const index = buildIndex(plan, byPath, {
      options,
      modelId: session.modelId,
      interrupted,
      complete: !interrupted && runError === undefined,
    });
    const indexPath = await writeIndex(options.outDir, index);
    if (index.complete && index.totals.error === 0 && !budget.reached) {
      // Every batch request has been collected: their saved states are no longer needed.
      await fs.rm(path.join(options.outDir, STATE_DIR, BATCHES_DIR), { recursive: true, force: true });
    }

    const exitCode = interrupted
      ? EXIT.interrupted
      : budget.reached
        ? EXIT.budgetReached
        : index.totals.error > 0 || runError !== undefined
          ? EXIT.someFailed
          : EXIT.ok;
    const status: RunReport["status"] =
      exitCode === EXIT.interrupted
        ? "interrupted"
        : exitCode === EXIT.budgetReached
          ? "budget_reached"
          : exitCode === EXIT.someFailed
            ? "some_failed"
            : "complete";
    const report = buildReport({
      options,
      modelId: session.modelId,
      endpoint: session.endpoint,
      index,
      indexPath: displayPath(io.cwd, indexPath),
      stats,
      exitCode,
      status,
      limits: options.provider === "local" || options.batch ? undefined : session.limits(),
      budget:
        options.budget === undefined ? undefined : { limit: budget.describe(), reached: budget.reached },
      resumeCommand:
        exitCode === EXIT.interrupted || exitCode === EXIT.budgetReached ? resumeCommand(io) : undefined,
      outDir: displayPath(io.cwd, options.outDir),
    });
    if (options.demo && !options.json) await printSummaries(index, options.outDir, io.stdout);
    emitReport(report, options, io);
    return { exitCode, report, index };
  } finally {
    progress?.stop();
    io.signal?.removeEventListener("abort", onExternalAbort);
    await session?.close().catch(() => {});
    await journal.close().catch(() => {});
  }
}

function dryRun(options: SummarizerOptions, plan: Plan, modelId: string, io: RunIo): RunResult {
  const price = (inputTokens: number, outputTokens: number) =>
    usageCost({ inputTokens, outputTokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, modelId, {
      batch: options.batch,
    })?.usd ?? null;
  let limits: RateLimits | undefined;
  let latencyMs = assumedLatencyMs;
  let assumptions: string;
  if (options.provider === "local") {
    assumptions = "the local model has no rate limits";
  } else if (options.batch) {
    assumptions =
      "Message Batches have no per-minute limits; most batches end within an hour, all within 24 h";
  } else if (options.provider === "emulator") {
    const k = options.timeScale;
    const emulated = EMULATOR_SETTINGS.limits;
    limits = {
      concurrency: options.concurrency,
      requestsPerMinute: options.requestsPerMinute ?? emulated.requestsPerMinute,
      inputTokensPerMinute: options.inputTokensPerMinute ?? emulated.inputTokensPerMinute,
      outputTokensPerMinute: options.outputTokensPerMinute ?? emulated.outputTokensPerMinute,
      minuteSeconds: 60 / k,
    };
    const { firstTokenMs, perOutputTokenMs } = EMULATOR_SETTINGS.latency;
    latencyMs = (outputTokens) => (firstTokenMs + perOutputTokenMs * outputTokens) / k;
    assumptions = `emulator limits ${describeLimits(limits)} per provider minute of ${(60 / k).toFixed(1)} s, concurrency ${options.concurrency}, its latency`;
  } else {
    limits = {
      concurrency: options.concurrency,
      requestsPerMinute: options.requestsPerMinute,
      inputTokensPerMinute: options.inputTokensPerMinute,
      outputTokensPerMinute: options.outputTokensPerMinute,
    };
    const known = describeLimits(limits);
    assumptions =
      `concurrency ${options.concurrency}, ${known === "" ? "rate limits unknown until the first response (pass --rpm/--itpm/--otpm to include them)" : known}, ` +
      "0.5 s + 15 ms per output token per call";
  }
  const report = describeDryRun(plan, {
    maxTokens: options.maxTokens,
    limits,
    latencyMs,
    assumptions,
    price,
  });
  const header = `Dry run: ${modelId} via ${options.provider}${options.batch ? " (Message Batches, half price)" : ""}, max ${options.maxTokens} output tokens per call, chunks of up to ${options.chunkTokens.toLocaleString("en-US")} tokens`;
  if (options.json) {
    io.stderr.write(formatDryRun(report, header));
    io.stdout.write(
      `${JSON.stringify({ dryRun: true, model: modelId, provider: options.provider, ...report }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(formatDryRun(report, header));
  }
  const exitCode = report.totals.summarize + report.totals.resume === 0 ? EXIT.nothingReadable : EXIT.ok;
  return { exitCode, dryRun: report };
}

function describeLimits(limits: RateLimits): string {
  const parts: string[] = [];
  if (limits.requestsPerMinute !== undefined)
    parts.push(`${limits.requestsPerMinute.toLocaleString("en-US")} RPM`);
  if (limits.inputTokensPerMinute !== undefined)
    parts.push(`${limits.inputTokensPerMinute.toLocaleString("en-US")} ITPM`);
  if (limits.outputTokensPerMinute !== undefined)
    parts.push(`${limits.outputTokensPerMinute.toLocaleString("en-US")} OTPM`);
  return parts.join(", ");
}

/** Inputs that a later run (with --resume) would still work on. */
const UNFINISHED_CODES = new Set(["budget_reached", "run_stopped", "interrupted", "not_run"]);

interface IndexContext {
  readonly options: SummarizerOptions;
  readonly modelId: string;
  readonly interrupted: boolean;
  readonly complete: boolean;
}

/** index.json: every input exactly once, in the order the inputs were found. */
function buildIndex(plan: Plan, outcomes: ReadonlyMap<string, Outcome>, context: IndexContext): IndexFile {
  const entries: IndexEntry[] = plan.entries.map((entry) => {
    if (entry.kind === "problem") {
      return {
        input: entry.display,
        path: entry.absolute,
        status: entry.status,
        code: entry.code,
        reason: entry.reason,
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      };
    }
    if (entry.kind === "resumed") return resumedEntry(entry.file.display, entry.record);
    const outcome = outcomes.get(entry.file.absolute);
    const base = { input: entry.file.display, path: entry.file.absolute };
    if (outcome === undefined) {
      return {
        ...base,
        status: "skipped",
        code: context.interrupted ? "interrupted" : "not_run",
        reason: context.interrupted
          ? "interrupted before it finished; rerun with --resume"
          : "not run: the run stopped before reaching it",
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      };
    }
    return {
      ...base,
      status: outcome.status,
      ...(outcome.code === undefined ? {} : { code: outcome.code }),
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ...(outcome.output === undefined ? {} : { output: outcome.output }),
      ...(outcome.chunks === undefined ? {} : { chunks: outcome.chunks }),
      calls: outcome.calls,
      inputTokens: outcome.inputTokens,
      outputTokens: outcome.outputTokens,
      costUsd: roundUsd(outcome.costUsd),
      ...(outcome.model === undefined ? {} : { model: outcome.model }),
    };
  });
  let costUsd: number | null = 0;
  for (const entry of entries)
    costUsd = costUsd === null || entry.costUsd === null ? null : costUsd + entry.costUsd;
  return {
    version: 1,
    generatedAt: new Date().toISOString(),
    complete: context.complete && entries.every((entry) => !UNFINISHED_CODES.has(entry.code ?? "")),
    interrupted: context.interrupted,
    provider: context.options.provider,
    model: context.modelId,
    batch: context.options.batch,
    totals: {
      inputs: entries.length,
      ok: entries.filter((entry) => entry.status === "ok").length,
      error: entries.filter((entry) => entry.status === "error").length,
      skipped: entries.filter((entry) => entry.status === "skipped").length,
      inputTokens: entries.reduce((sum, entry) => sum + entry.inputTokens, 0),
      outputTokens: entries.reduce((sum, entry) => sum + entry.outputTokens, 0),
      costUsd: roundUsd(costUsd),
    },
    inputs: entries,
  };
}

function resumedEntry(display: string, record: FileRecord): IndexEntry {
  return {
    input: display,
    path: record.input,
    status: "ok",
    ...(record.output === undefined ? {} : { output: record.output }),
    chunks: record.chunks,
    calls: record.calls,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    costUsd: record.costUsd,
    ...(record.model === undefined ? {} : { model: record.model }),
    resumed: true,
  };
}

interface ReportContext {
  readonly options: SummarizerOptions;
  readonly modelId: string;
  readonly endpoint: string;
  readonly index: IndexFile;
  readonly indexPath: string;
  readonly stats: RunStats;
  readonly exitCode: number;
  readonly status: RunReport["status"];
  readonly limits: RateLimits | undefined;
  readonly budget: RunReport["budget"];
  readonly resumeCommand: string | undefined;
  readonly outDir: string;
}

function buildReport(context: ReportContext): RunReport {
  const { stats, index } = context;
  const wallMs = stats.elapsedMs();
  const bound =
    context.limits === undefined || stats.succeeded === 0
      ? undefined
      : lowerBound(
          {
            calls: stats.succeeded,
            inputTokens: stats.inputTokens,
            outputTokens: stats.outputTokens,
            latencySumMs: stats.latencySumMs,
            latencyMinMs: stats.latencyMinMs,
          },
          context.limits,
        );
  return {
    exitCode: context.exitCode,
    status: context.status,
    outDir: context.outDir,
    index: context.indexPath,
    provider: context.options.provider,
    model: context.modelId,
    endpoint: context.endpoint,
    batch: context.options.batch,
    inputs: {
      total: index.totals.inputs,
      ok: index.totals.ok,
      resumed: index.inputs.filter((entry) => entry.resumed === true).length,
      error: index.totals.error,
      skipped: index.totals.skipped,
    },
    calls: {
      succeeded: stats.succeeded,
      attempts: stats.attempts,
      retries: stats.retries,
      rateLimited: stats.rateLimited,
      overloaded: stats.overloaded,
      otherFailures: stats.otherFailures,
    },
    tokens: { input: stats.inputTokens, output: stats.outputTokens },
    costUsd: stats.succeeded > 0 && stats.costUnknown === stats.succeeded ? null : roundUsd(stats.costUsd),
    wallMs,
    lowerBoundMs: bound?.ms,
    limitedBy: bound?.limitedBy,
    percentOfBound: bound === undefined || bound.ms <= 0 ? undefined : (wallMs / bound.ms) * 100,
    budget: context.budget,
    resumeCommand: context.resumeCommand,
    problems: problemsOf(index.inputs),
  };
}

function emitReport(report: RunReport, options: SummarizerOptions, io: RunIo): void {
  if (options.json) {
    io.stderr.write(formatReport(report));
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout.write(formatReport(report));
  }
}

/** --demo: the summaries themselves, before the report. */
async function printSummaries(index: IndexFile, outDir: string, out: NodeJS.WritableStream): Promise<void> {
  for (const entry of index.inputs) {
    if (entry.status !== "ok" || entry.output === undefined) continue;
    const text = await fs.readFile(path.join(outDir, entry.output), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const [heading = "", ...rest] = text.split("\n");
    const body = rest.join("\n").split("\n---\n")[0]?.trim() ?? "";
    out.write(`${heading.replace(/^#\s*/, "## ")}\n\n${body}\n\n`);
  }
}

/** The command to type to finish the work: the same one, with --resume. */
export function resumeCommand(io: Pick<RunIo, "command" | "cwd">): string {
  const [program = "summarize", ...args] = io.command;
  const programWords =
    path.basename(program) === "summarize" ? ["summarize"] : ["node", displayPath(io.cwd, program)];
  return shellQuote([...programWords, ...args.filter((arg) => arg !== "--resume"), "--resume"]);
}

function displayPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
