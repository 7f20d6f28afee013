import type { ParallelBatchNodeOptions } from "@sluice/core";
import type { ChatRequest } from "@sluice/llm";
import { combineRequest, groupForCombining } from "../prompts.js";
import { describeCallError } from "./model-call.js";
import type { SummarizerServices } from "./services.js";
import type { FileWork } from "./shared.js";
import { SummaryStep } from "./summary-step.js";

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
export class CombineSummaries extends SummaryStep<SummaryGroup> {
  constructor(services: SummarizerServices, options: ParallelBatchNodeOptions = {}) {
    super(services, "CombineSummaries", options);
  }

  protected override itemsOf(work: FileWork): SummaryGroup[] {
    if (work.summaries.length <= 1) return [];
    return groupForCombining(work.summaries, this.services.chunkTokens).map((summaries) => ({
      summaries,
      title: work.title,
    }));
  }

  protected override requestFor(group: SummaryGroup): ChatRequest {
    return combineRequest(group.summaries, group.title, this.services.maxTokens);
  }

  protected override failureReason(_work: FileWork, error: unknown): string {
    return `combining the part summaries failed: ${describeCallError(error)}`;
  }

  protected override nextAction(work: FileWork): string {
    return work.summaries.length > 1 ? "again" : "default";
  }
}
