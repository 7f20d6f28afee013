import { promises as fs } from "node:fs";
import path from "node:path";
import type { SluiceEvent } from "@sluice/core";
import { usageCost } from "@sluice/llm";
import { BATCHES_DIR } from "./batch.js";
import type { RateLimits } from "./bound.js";
import { Budget } from "./budget.js";
import { InterruptedError, messageOf } from "./errors.js";
import { buildIndex } from "./index-file.js";
import { Journal, STATE_DIR } from "./journal.js";
import {
  type CallRetryOptions,
  type FileJob,
  LoadAndSummarizeFile,
  type Outcome,
  RunControl,
  SummarizeMultipleFiles,
  type SummarizerServices,
  type SummarizerShared,
} from "./nodes/index.js";
import { assignOutputNames, type IndexFile, writeIndex } from "./outputs.js";
import type { PlanEntry } from "./plan.js";
import { displayPath, type PreparedRun } from "./prepare.js";
import { ProgressDisplay } from "./progress.js";
import { openProvider, type ProviderSession } from "./providers.js";
import type { RunIo } from "./run.js";
import { RunStats } from "./stats.js";
import { traceEvents, withTracing } from "./tracing.js";

/** What `executeRun` needs from the caller besides the plan: the run's io but its stdout (the report's). */
export type ExecuteIo = Omit<RunIo, "stdout">;

/** How the work went, for the report. */
export interface ExecutedRun {
  readonly index: IndexFile;
  readonly indexPath: string;
  readonly stats: RunStats;
  readonly budget: Budget;
  readonly modelId: string;
  readonly endpoint: string;
  /** The limits in force at the end; undefined where no rate limits apply (local, batch). */
  readonly limits: RateLimits | undefined;
  readonly interrupted: boolean;
  /** Set when the flow itself threw (not a recorded failure of one input). */
  readonly runError: unknown;
  /** Set when the run stopped because the setup is wrong: an unreachable server, a rejected key. */
  readonly setupProblem: unknown;
}

const DEFAULT_RETRY: CallRetryOptions = { maxRetries: 8, initialDelayMs: 1_000, maxDelayMs: 30_000 };
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * The second step of a run: opens the provider, summarizes every planned file with
 * `SummarizeMultipleFiles` (each summary and its journal record written as soon as it is done) and
 * writes index.json at the end, or on interrupt. Closes the provider before it returns.
 */
export async function executeRun(prepared: PreparedRun, io: ExecuteIo): Promise<ExecutedRun> {
  const { options, plan } = prepared;
  const note = (message: string) => io.stderr.write(`${message}\n`);
  const stats = new RunStats();
  const budget = new Budget(options.budget, budgetMeasure(prepared));
  const control = new RunControl();

  await fs.mkdir(options.outDir, { recursive: true });
  const journal = await Journal.open(options.outDir);
  let session: ProviderSession | undefined;
  const controller = new AbortController();
  const onExternalAbort = () => controller.abort(io.signal?.reason ?? new InterruptedError("a signal"));
  if (io.signal?.aborted) onExternalAbort();
  io.signal?.addEventListener("abort", onExternalAbort, { once: true });
  let progress: ProgressDisplay | undefined;

  try {
    session = await withTracing(
      options.redis === undefined
        ? await openProvider(options, stats, control)
        : await (await import("./distributed/pool-session.js")).openPoolSession(
            { ...options, redis: options.redis },
            stats,
            control,
            io.command.slice(1),
          ),
    );
    await journal.append({
      v: 1,
      type: "run",
      at: new Date().toISOString(),
      provider: options.provider,
      model: session.modelId,
      argv: io.command.slice(1),
    });

    const jobs = jobsOf(prepared);
    stats.filesTotal = jobs.length;
    stats.plannedWork = plan.entries.reduce(
      (sum, entry) => sum + (entry.kind === "todo" ? entry.estimate.inputTokens : 0),
      0,
    );
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
      control,
      batch: options.batch,
      price: session.price,
      written: new Map(),
      writesInFlight: new Set(),
    };
    const shared: SummarizerShared = { jobs, outcomes: new Map(), work: new Map() };
    const flow = new SummarizeMultipleFiles(
      services,
      new LoadAndSummarizeFile(services, io.retry ?? DEFAULT_RETRY),
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
        statusLine: io.statusLine,
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
    return {
      index,
      indexPath: displayPath(io.cwd, indexPath),
      stats,
      budget,
      modelId: session.modelId,
      endpoint: session.endpoint,
      limits: options.provider === "local" || options.batch ? undefined : session.limits(),
      interrupted,
      runError,
      setupProblem: control.setupProblem,
    };
  } finally {
    progress?.stop();
    io.signal?.removeEventListener("abort", onExternalAbort);
    await session?.close().catch(() => {});
    await journal.close().catch(() => {});
  }
}

/** One job per file to summarize, with its summary's name. */
function jobsOf({ plan, finished }: PreparedRun): FileJob[] {
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
  return todo.map((entry, index) => ({
    index,
    file: entry.file,
    output: names.get(entry.file.absolute)!,
    plannedCalls: entry.estimate.calls,
  }));
}

/** What the budget counts: dollars at the model's price, or input plus output tokens. */
function budgetMeasure({ options, modelId }: PreparedRun) {
  if (options.budget?.unit !== "usd")
    return (tokens: { inputTokens: number; outputTokens: number }) =>
      tokens.inputTokens + tokens.outputTokens;
  return (tokens: { inputTokens: number; outputTokens: number }) =>
    usageCost({ ...tokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, modelId, {
      batch: options.batch,
    })?.usd ?? 0;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
