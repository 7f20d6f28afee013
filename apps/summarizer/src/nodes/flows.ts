import { Flow, ParallelBatchFlow, type ParallelBatchNodeOptions, type Settled } from "@sluice/core";
import { CombineSummaries } from "./combine-summaries.js";
import { finishFile, NO_USAGE } from "./finish-file.js";
import { LoadFile } from "./load-file.js";
import { describeCallError, errorCode } from "./model-call.js";
import { type CallRetryOptions, isWorthRetrying, type SummarizerServices } from "./services.js";
import type { FileJob, FileParams, SummarizerShared } from "./shared.js";
import { TextSummarizer } from "./text-summarizer.js";
import { WriteSummary } from "./write-summary.js";

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
 * file, at most `filesInFlight` files at once (memory), with `failFast: false` so that one bad file
 * is recorded and the batch goes on. How many model calls run at once is the limiter's business.
 */
export class SummarizeMultipleFiles extends ParallelBatchFlow<SummarizerShared> {
  constructor(
    private readonly services: SummarizerServices,
    perFile: LoadAndSummarizeFile,
    filesInFlight: number,
  ) {
    super(perFile, { concurrency: filesInFlight, failFast: false, name: "SummarizeMultipleFiles" });
  }

  // Job indexes in the order the files start; results come back in this order.
  private order: readonly number[] = [];

  override async prep(shared: SummarizerShared): Promise<Iterable<FileParams>> {
    this.order = startOrder(shared.jobs);
    const order = this.order;
    // A generator: entries are produced as window slots free up, not all at once.
    return (function* () {
      for (const index of order) yield { index };
    })();
  }

  override async post(shared: SummarizerShared, _prepRes: unknown, results: unknown): Promise<string> {
    // Files whose flow threw (not a recorded failure) still get an outcome.
    const outcomes = results as Settled<unknown>[];
    for (const [position, result] of outcomes.entries()) {
      const job = shared.jobs[this.order[position] ?? -1];
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

/**
 * Files that take more than one call (parts, then combining rounds) start first, each group in input
 * order. A split file's last call waits for its parts: started near the end, it was a tail of two
 * calls' latency after everything else had finished (about 0.1 s of a 23 s run at the limits).
 */
export function startOrder(jobs: readonly FileJob[]): number[] {
  const split = (job: FileJob) => (job.plannedCalls ?? 1) > 1;
  return [...jobs.filter(split), ...jobs.filter((job) => !split(job))].map((job) => job.index);
}
