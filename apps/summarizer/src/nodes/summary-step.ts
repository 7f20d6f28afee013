import { ParallelBatchNode, type ParallelBatchNodeOptions, type Settled } from "@sluice/core";
import type { ChatRequest } from "@sluice/llm";
import type { Reservation } from "../budget.js";
import { failureOutcome, finishFile } from "./finish-file.js";
import { addCalls, type CallResult, errorCode, firstFailure, summarizeWith } from "./model-call.js";
import type { SummarizerServices } from "./services.js";
import { type FileParams, type FileWork, type SummarizerShared, workOf } from "./shared.js";

/** One call's piece of the file, with the file's budget reservation it is charged against. */
export interface StepItem<Item> {
  readonly item: Item;
  readonly reservation: Reservation;
}

/**
 * What TextSummarizer (map) and CombineSummaries (reduce) have in common: a ParallelBatchNode over
 * pieces of one file, one model call each. With `failFast: false`, post sees every call's outcome:
 * if any failed the file is recorded as failed ("failed"), otherwise the answers become the file's
 * current summaries and the subclass picks the next step.
 */
export abstract class SummaryStep<Item> extends ParallelBatchNode<SummarizerShared, FileParams> {
  constructor(
    protected readonly services: SummarizerServices,
    name: string,
    options: ParallelBatchNodeOptions = {},
  ) {
    super({ name, ...options, failFast: false });
  }

  /** The pieces of the file this step makes one call each for (none: the step has nothing to do). */
  protected abstract itemsOf(work: FileWork): Item[];

  /** The request for one item. */
  protected abstract requestFor(item: Item): ChatRequest;

  /** The reason recorded when some calls of the step failed. */
  protected abstract failureReason(work: FileWork, error: unknown, failed: number): string;

  /** The action after a successful step, once `work.summaries` holds its answers. */
  protected abstract nextAction(work: FileWork): string;

  override async prep(shared: SummarizerShared): Promise<StepItem<Item>[]> {
    const work = workOf(shared, this._params.index);
    return this.itemsOf(work).map((item) => ({ item, reservation: work.reservation }));
  }

  override async exec({ item, reservation }: StepItem<Item>): Promise<CallResult> {
    return summarizeWith(this.services, reservation, this.requestFor(item), this.signal);
  }

  override async post(
    shared: SummarizerShared,
    items: StepItem<Item>[],
    results: Settled<CallResult>[],
  ): Promise<string> {
    if (items.length === 0) return "default";
    const index = this._params.index;
    const work = workOf(shared, index);
    addCalls(work.usage, results);
    const failure = firstFailure(results);
    if (failure !== undefined) {
      const reason = this.failureReason(work, failure.error, failure.failed);
      await finishFile(this.services, shared, index, failureOutcome(work, errorCode(failure.error), reason));
      return "failed";
    }
    work.summaries = results.map((result) => (result.status === "fulfilled" ? result.value.text : ""));
    return this.nextAction(work);
  }
}
