import path from "node:path";
import {
  Flow,
  Node,
  ParallelBatchFlow,
  ParallelBatchNode,
  type ParallelBatchNodeOptions,
  type Settled,
} from "@sluice/core";
import { type ChatModel, type ChatRequest, chat, type Usage } from "@sluice/llm";
import { type Budget, formatBudgetAmount, type Reservation } from "./budget.js";
import { chunkText } from "./chunk.js";
import { codeOf, messageOf } from "./errors.js";
import type { DiscoveredFile } from "./inputs.js";
import type { FileRecord, Journal } from "./journal.js";
import { renderSummary, writeFileAtomic } from "./outputs.js";
import {
  type CallEstimate,
  chunkRequest,
  combineRequest,
  documentTitle,
  estimateDocument,
  groupForCombining,
} from "./prompts.js";
import { readTextFile } from "./read.js";
import type { RunStats } from "./stats.js";

/** One input file to summarize: the entry a `SummarizeMultipleFiles` run is given. */
export interface FileJob {
  readonly index: number;
  readonly file: DiscoveredFile;
  /** Where its summary goes, relative to the output folder. */
  readonly output: string;
}

/** How one input ended; becomes its index.json entry. */
export interface Outcome {
  readonly status: "ok" | "error" | "skipped";
  readonly code?: string;
  readonly reason?: string;
  readonly output?: string;
  readonly hash?: string;
  readonly chunks?: number;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly model?: string;
  readonly resumed?: boolean;
}

/** The shared store of one run. Per-file data lives under the file's index, so parallel runs never collide. */
export interface SummarizerShared {
  readonly jobs: readonly FileJob[];
  readonly outcomes: Map<number, Outcome>;
  readonly work: Map<number, FileWork>;
}

/** What a file carries through its flow. */
export interface FileWork {
  readonly hash: string;
  readonly title: string;
  readonly chunks: readonly string[];
  readonly estimate: CallEstimate;
  readonly reservation: Reservation;
  /** The current level of summaries: one per chunk after the map step, fewer after each combine round. */
  summaries: string[];
  usage: UsageTotal;
}

interface UsageTotal {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** null once any call had no known price. */
  costUsd: number | null;
  model: string | undefined;
}

export interface FileParams {
  readonly index: number;
}

/** Stops launching work after an error that every other call would hit too (bad key, spend cap, unknown model). */
export class RunControl {
  private reason: unknown;

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  get stopReason(): unknown {
    return this.reason;
  }

  stop(reason: unknown): void {
    this.reason ??= reason;
  }
}

const FATAL_CODES = new Set([
  "authentication",
  "permission",
  "quota_exceeded",
  "not_found",
  "THROTTLE_QUOTA_EXHAUSTED",
]);

/**
 * Whether a failed call is worth another attempt: not when the error says it is not retryable
 * (@sluice/llm's authentication, invalid request, quota… errors), nor for the throttle's refusals
 * (a call larger than a limit, a halted or closed throttle), which a retry would meet again.
 */
export function isWorthRetrying(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return true;
  const { retryable, code } = error as { retryable?: unknown; code?: unknown };
  if (retryable === false) return false;
  return !(typeof code === "string" && (code.startsWith("THROTTLE_") || code.startsWith("SUMMARIZER_")));
}

/** What the nodes need from the run: built once by run.ts and shared by every node clone. */
export interface SummarizerServices {
  /** The model every call goes to, already behind the run's limiter (or the batch queue). */
  readonly model: ChatModel;
  readonly provider: string;
  readonly maxTokens: number;
  readonly chunkTokens: number;
  readonly maxFileBytes: number;
  /** Per HTTP attempt. */
  readonly requestTimeoutMs: number;
  readonly outDir: string;
  readonly journal: Journal;
  readonly budget: Budget;
  readonly stats: RunStats;
  readonly control: RunControl;
  /** Message Batches pricing (half price). */
  readonly batch: boolean;
  /** Dollar cost of a call's usage on the model that answered; null when its price is unknown. */
  price(usage: Usage, model: string): number | null;
  /**
   * Summaries written and journaled, by job index. Filled right after the journal record, so an
   * interrupt that lands between the write and the node's `post` still reports them.
   */
  readonly written: Map<number, Outcome>;
  /** Summary writes under way, so an interrupted run can let them finish before writing index.json. */
  readonly writesInFlight: Set<Promise<unknown>>;
}

interface CallResult {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly model: string;
}

/** One model call, counted in the run's stats and budget; errors that doom every call stop the run. */
async function summarizeWith(
  services: SummarizerServices,
  request: ChatRequest,
  signal: AbortSignal,
): Promise<CallResult> {
  try {
    const response = await chat(
      { ...request, signal, timeoutMs: services.requestTimeoutMs },
      { model: services.model },
    );
    const usage = response.usage;
    const inputTokens = usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
    const costUsd = services.price(usage, response.model);
    services.stats.addUsage(inputTokens, usage.outputTokens, costUsd);
    services.budget.spend({ inputTokens, outputTokens: usage.outputTokens });
    return {
      text: response.text.trim(),
      inputTokens,
      outputTokens: usage.outputTokens,
      costUsd,
      model: response.model,
    };
  } catch (error) {
    if (FATAL_CODES.has(codeOf(error) ?? "")) services.control.stop(error);
    throw error;
  }
}

function addCalls(total: UsageTotal, results: readonly Settled<CallResult>[]): void {
  for (const result of results) {
    if (result.status !== "fulfilled") continue;
    const call = result.value;
    total.calls += 1;
    total.inputTokens += call.inputTokens;
    total.outputTokens += call.outputTokens;
    total.costUsd = total.costUsd === null || call.costUsd === null ? null : total.costUsd + call.costUsd;
    total.model ??= call.model;
  }
}

function firstFailure(results: readonly Settled<unknown>[]): { error: unknown; failed: number } | undefined {
  const failures = results.filter((result) => result.status === "rejected");
  const first = failures[0];
  return first === undefined ? undefined : { error: first.reason, failed: failures.length };
}

function failureOutcome(work: FileWork, code: string, reason: string): Outcome {
  return {
    status: "error",
    code,
    reason,
    hash: work.hash,
    chunks: work.chunks.length,
    calls: work.usage.calls,
    inputTokens: work.usage.inputTokens,
    outputTokens: work.usage.outputTokens,
    costUsd: work.usage.costUsd,
    ...(work.usage.model === undefined ? {} : { model: work.usage.model }),
  };
}

const NO_USAGE = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } as const;

/**
 * Records how a file ended and lets go of what it held (its budget reservation, its text). Errors
 * of files that were read are journaled too, so the journal tells the whole story; --resume only
 * skips `ok` records.
 */
async function finishFile(
  services: SummarizerServices,
  shared: SummarizerShared,
  index: number,
  outcome: Outcome,
): Promise<void> {
  shared.outcomes.set(index, outcome);
  const work = shared.work.get(index);
  const stats = services.stats;
  if (work !== undefined) {
    shared.work.delete(index);
    services.budget.release(work.reservation);
    stats.filesInFlight -= 1;
    stats.doneWork += work.estimate.inputTokens;
    stats.doneActual += work.usage.inputTokens;
  }
  if (outcome.status === "ok") stats.filesOk += 1;
  else if (outcome.status === "error") stats.filesFailed += 1;
  else stats.filesSkipped += 1;
  const job = shared.jobs[index];
  if (outcome.status === "error" && outcome.hash !== undefined && job !== undefined) {
    await services.journal.append(journalRecord(services, job, outcome));
  }
}

function journalRecord(services: SummarizerServices, job: FileJob, outcome: Outcome): FileRecord {
  return {
    v: 1,
    type: "file",
    input: job.file.absolute,
    hash: outcome.hash ?? "",
    status: outcome.status,
    ...(outcome.output === undefined ? {} : { output: outcome.output }),
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    chunks: outcome.chunks ?? 0,
    calls: outcome.calls,
    inputTokens: outcome.inputTokens,
    outputTokens: outcome.outputTokens,
    costUsd: outcome.costUsd,
    ...(outcome.model === undefined ? {} : { model: outcome.model }),
    provider: services.provider,
    ...(services.batch ? { batch: true } : {}),
    at: new Date().toISOString(),
  };
}

type Loaded =
  | {
      readonly kind: "loaded";
      readonly hash: string;
      readonly title: string;
      readonly chunks: string[];
      readonly estimate: CallEstimate;
      readonly reservation: Reservation;
    }
  | {
      readonly kind: "unreadable";
      readonly status: "error" | "skipped";
      readonly code: string;
      readonly reason: string;
    }
  | { readonly kind: "not_started"; readonly code: string; readonly reason: string };

/**
 * Reads and validates one file, splits it into chunks that fit the model's context and reserves its
 * estimated cost in the budget. Ends the file's flow ("done") when it cannot or should not go on.
 */
export class LoadFile extends Node<SummarizerShared, FileParams> {
  constructor(private readonly services: SummarizerServices) {
    super({ name: "LoadFile" });
  }

  override async prep(shared: SummarizerShared): Promise<FileJob> {
    const job = shared.jobs[this._params.index];
    if (job === undefined) throw new RangeError(`No file job at index ${this._params.index}.`);
    return job;
  }

  override async exec(job: FileJob): Promise<Loaded> {
    const { services } = this;
    if (services.control.stopped) {
      return {
        kind: "not_started",
        code: "run_stopped",
        reason: `not started: the run stopped after an error every call would hit (${messageOf(services.control.stopReason)})`,
      };
    }
    if (services.budget.reached) return budgetReached(services.budget);
    const read = await readTextFile(job.file.absolute, { maxBytes: services.maxFileBytes });
    if (!read.ok) return { kind: "unreadable", status: read.status, code: read.code, reason: read.reason };
    const title = documentTitle(read.text, path.basename(job.file.absolute));
    const chunks = chunkText(read.text, services.chunkTokens);
    const estimate = estimateDocument(chunks, title, services.maxTokens, services.chunkTokens);
    const reservation = services.budget.tryReserve(estimate);
    if (reservation === undefined) return budgetReached(services.budget);
    return { kind: "loaded", hash: read.hash, title, chunks, estimate, reservation };
  }

  override async post(shared: SummarizerShared, job: FileJob, loaded: Loaded): Promise<string> {
    if (loaded.kind !== "loaded") {
      const status = loaded.kind === "unreadable" ? loaded.status : "skipped";
      await finishFile(this.services, shared, job.index, {
        status,
        code: loaded.code,
        reason: loaded.reason,
        ...NO_USAGE,
      });
      return "done";
    }
    shared.work.set(job.index, {
      hash: loaded.hash,
      title: loaded.title,
      chunks: loaded.chunks,
      estimate: loaded.estimate,
      reservation: loaded.reservation,
      summaries: [],
      usage: { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, model: undefined },
    });
    this.services.stats.filesInFlight += 1;
    return "default";
  }
}

function budgetReached(budget: Budget): Loaded {
  const spent = budget.limit ? formatBudgetAmount(budget.limit.unit, budget.spent) : "";
  return {
    kind: "not_started",
    code: "budget_reached",
    reason: `budget reached: not started, its estimate did not fit in ${budget.describe()} (spent ${spent}); rerun with --resume and a larger --budget`,
  };
}

/** A chunk of a document, as the map step sees it. */
export interface Chunk {
  readonly text: string;
  readonly title: string;
  readonly part: number;
  readonly parts: number;
}

/**
 * The seed's TextSummarizer: a ParallelBatchNode over one document's chunks, one model call each
 * (the map step). With `failFast: false`, post sees every chunk's outcome and records a failed file
 * instead of throwing.
 */
export class TextSummarizer extends ParallelBatchNode<SummarizerShared, FileParams> {
  constructor(
    private readonly services: SummarizerServices,
    options: ParallelBatchNodeOptions = {},
  ) {
    super({ name: "TextSummarizer", ...options, failFast: false });
  }

  override async prep(shared: SummarizerShared): Promise<Chunk[]> {
    const work = workOf(shared, this._params.index);
    return work.chunks.map((text, index) => ({
      text,
      title: work.title,
      part: index + 1,
      parts: work.chunks.length,
    }));
  }

  override async exec(chunk: Chunk): Promise<CallResult> {
    const request = chunkRequest(chunk.text, chunk.title, chunk.part, chunk.parts, this.services.maxTokens);
    return summarizeWith(this.services, request, this.signal);
  }

  override async post(
    shared: SummarizerShared,
    _chunks: Chunk[],
    results: Settled<CallResult>[],
  ): Promise<string> {
    const index = this._params.index;
    const work = workOf(shared, index);
    addCalls(work.usage, results);
    const failure = firstFailure(results);
    if (failure !== undefined) {
      const where =
        work.chunks.length === 1 ? "" : ` (${failure.failed} of ${work.chunks.length} parts failed)`;
      await finishFile(
        this.services,
        shared,
        index,
        failureOutcome(work, errorCode(failure.error), `${describeCallError(failure.error)}${where}`),
      );
      return "failed";
    }
    work.summaries = results.map((result) => (result.status === "fulfilled" ? result.value.text : ""));
    return "default";
  }
}

/** A group of consecutive partial summaries to merge in one call. */
export interface SummaryGroup {
  readonly summaries: readonly string[];
  readonly title: string;
}

/**
 * The reduce step: merges the partial summaries of a long document, in parallel groups that fit the
 * model's context, and loops on itself ("again") until one summary is left. A one-chunk document
 * passes straight through.
 */
export class CombineSummaries extends ParallelBatchNode<SummarizerShared, FileParams> {
  constructor(
    private readonly services: SummarizerServices,
    options: ParallelBatchNodeOptions = {},
  ) {
    super({ name: "CombineSummaries", ...options, failFast: false });
  }

  override async prep(shared: SummarizerShared): Promise<SummaryGroup[]> {
    const work = workOf(shared, this._params.index);
    if (work.summaries.length <= 1) return [];
    return groupForCombining(work.summaries, this.services.chunkTokens).map((summaries) => ({
      summaries,
      title: work.title,
    }));
  }

  override async exec(group: SummaryGroup): Promise<CallResult> {
    return summarizeWith(
      this.services,
      combineRequest(group.summaries, group.title, this.services.maxTokens),
      this.signal,
    );
  }

  override async post(
    shared: SummarizerShared,
    groups: SummaryGroup[],
    results: Settled<CallResult>[],
  ): Promise<string> {
    if (groups.length === 0) return "default";
    const index = this._params.index;
    const work = workOf(shared, index);
    addCalls(work.usage, results);
    const failure = firstFailure(results);
    if (failure !== undefined) {
      await finishFile(
        this.services,
        shared,
        index,
        failureOutcome(
          work,
          errorCode(failure.error),
          `combining the part summaries failed: ${describeCallError(failure.error)}`,
        ),
      );
      return "failed";
    }
    work.summaries = results.map((result) => (result.status === "fulfilled" ? result.value.text : ""));
    return work.summaries.length > 1 ? "again" : "default";
  }
}

type Written =
  | { readonly ok: true; readonly outcome: Outcome }
  | { readonly ok: false; readonly error: unknown };

/**
 * Writes DIR/<name>.md atomically (temporary file, flush, rename), then appends the journal record
 * and waits for it to reach the disk: from then on, --resume will not redo this file.
 */
export class WriteSummary extends Node<SummarizerShared, FileParams> {
  constructor(private readonly services: SummarizerServices) {
    super({ name: "WriteSummary" });
  }

  override async prep(shared: SummarizerShared): Promise<{ job: FileJob; work: FileWork }> {
    const index = this._params.index;
    const job = shared.jobs[index];
    if (job === undefined) throw new RangeError(`No file job at index ${index}.`);
    return { job, work: workOf(shared, index) };
  }

  override async exec({ job, work }: { job: FileJob; work: FileWork }): Promise<Written> {
    const { services } = this;
    const summary = work.summaries[0]?.trim() ?? "";
    if (summary === "") return { ok: false, error: new Error("the model returned an empty summary") };
    const outcome: Outcome = {
      status: "ok",
      output: job.output,
      hash: work.hash,
      chunks: work.chunks.length,
      calls: work.usage.calls,
      inputTokens: work.usage.inputTokens,
      outputTokens: work.usage.outputTokens,
      costUsd: work.usage.costUsd,
      model: work.usage.model ?? services.model.modelId,
    };
    const writing = this.write(job, work, summary, outcome);
    services.writesInFlight.add(writing);
    try {
      await writing;
    } catch (error) {
      return { ok: false, error };
    } finally {
      services.writesInFlight.delete(writing);
    }
    return { ok: true, outcome };
  }

  private async write(job: FileJob, work: FileWork, summary: string, outcome: Outcome): Promise<void> {
    const { services } = this;
    const document = renderSummary({
      title: work.title,
      source: job.file.display,
      summary,
      model: outcome.model ?? services.model.modelId,
      chunks: work.chunks.length,
      calls: work.usage.calls,
      inputTokens: work.usage.inputTokens,
      outputTokens: work.usage.outputTokens,
      costUsd: work.usage.costUsd,
    });
    await writeFileAtomic(path.join(services.outDir, job.output), document);
    await services.journal.append(journalRecord(services, job, outcome));
    services.written.set(job.index, outcome);
  }

  override async post(
    shared: SummarizerShared,
    { job, work }: { job: FileJob; work: FileWork },
    written: Written,
  ): Promise<string> {
    const outcome = written.ok
      ? written.outcome
      : failureOutcome(work, "write_failed", `the summary could not be written: ${messageOf(written.error)}`);
    await finishFile(this.services, shared, job.index, outcome);
    return written.ok ? "done" : "failed";
  }
}

function workOf(shared: SummarizerShared, index: number): FileWork {
  const work = shared.work.get(index);
  if (work === undefined) throw new RangeError(`File ${index} has not been loaded.`);
  return work;
}

function errorCode(error: unknown): string {
  return codeOf(error) ?? "model_error";
}

function describeCallError(error: unknown): string {
  const code = codeOf(error);
  const status = (error as { status?: unknown } | null)?.status;
  const prefix = typeof status === "number" ? `HTTP ${status} ` : "";
  return `${prefix}${code ? `${code}: ` : ""}${messageOf(error)}`;
}

/** Retry settings of the nodes that call the model. */
export interface CallRetryOptions {
  /** Attempts in all per call, counting the first. */
  readonly maxRetries: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * One file, start to end: LoadFile → TextSummarizer → CombineSummaries (looping while more than one
 * summary is left) → WriteSummary. A file that cannot go on ends early with its outcome recorded.
 */
export class LoadAndSummarizeFile extends Flow<SummarizerShared, FileParams> {
  constructor(services: SummarizerServices, retry: CallRetryOptions) {
    const callOptions: ParallelBatchNodeOptions = {
      maxRetries: retry.maxRetries,
      backoff: { initialDelayMs: retry.initialDelayMs, maxDelayMs: retry.maxDelayMs },
      retryIf: isWorthRetrying,
    };
    const load = new LoadFile(services);
    const combine = new CombineSummaries(services, callOptions);
    load.next(new TextSummarizer(services, callOptions)).next(combine).next(new WriteSummary(services));
    combine.on("again", combine);
    super(load, { name: "LoadAndSummarizeFile" });
  }
}

/**
 * The seed's SummarizeMultipleFiles: a ParallelBatchFlow that runs LoadAndSummarizeFile once per
 * file, at most `concurrency` files at once (memory), with `failFast: false` so that one bad file is
 * recorded and the batch goes on. How many model calls run at once is the limiter's business.
 */
export class SummarizeMultipleFiles extends ParallelBatchFlow<SummarizerShared> {
  constructor(
    private readonly services: SummarizerServices,
    perFile: LoadAndSummarizeFile,
    filesInFlight: number,
  ) {
    super(perFile, { concurrency: filesInFlight, failFast: false, name: "SummarizeMultipleFiles" });
  }

  override async prep(shared: SummarizerShared): Promise<Iterable<FileParams>> {
    // A generator: entries are produced as window slots free up, not all at once.
    return (function* () {
      for (const job of shared.jobs) yield { index: job.index };
    })();
  }

  override async post(shared: SummarizerShared, _prepRes: unknown, results: unknown): Promise<string> {
    // Files whose flow threw (not a recorded failure) still get an outcome.
    const outcomes = results as Settled<unknown>[];
    for (const [position, result] of outcomes.entries()) {
      const job = shared.jobs[position];
      if (result.status !== "rejected" || job === undefined || shared.outcomes.has(job.index)) continue;
      await finishFile(this.services, shared, job.index, {
        status: "error",
        code: errorCode(result.reason),
        reason: describeCallError(result.reason),
        ...NO_USAGE,
      });
    }
    return "default";
  }
}
