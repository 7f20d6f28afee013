import type { ParallelBatchNodeOptions } from "@sluice/core";
import type { ChatRequest } from "@sluice/llm";
import { chunkRequest } from "../prompts.js";
import { describeCallError } from "./model-call.js";
import type { SummarizerServices } from "./services.js";
import type { FileWork } from "./shared.js";
import { SummaryStep } from "./summary-step.js";

/** A chunk of a document, as the map step sees it. */
export interface Chunk {
  readonly text: string;
  readonly title: string;
  readonly part: number;
  readonly parts: number;
}

/**
 * The seed's TextSummarizer: a ParallelBatchNode over one document's chunks, one model call each
 * (the map step). A failed chunk records the file as failed instead of throwing.
 */
export class TextSummarizer extends SummaryStep<Chunk> {
  constructor(services: SummarizerServices, options: ParallelBatchNodeOptions = {}) {
    super(services, "TextSummarizer", options);
  }

  protected override itemsOf(work: FileWork): Chunk[] {
    return work.chunks.map((text, index) => ({
      text,
      title: work.title,
      part: index + 1,
      parts: work.chunks.length,
    }));
  }

  protected override requestFor(chunk: Chunk): ChatRequest {
    return chunkRequest(chunk.text, chunk.title, chunk.part, chunk.parts, this.services.maxTokens);
  }

  protected override failureReason(work: FileWork, error: unknown, failed: number): string {
    const where = work.chunks.length === 1 ? "" : ` (${failed} of ${work.chunks.length} parts failed)`;
    return `${describeCallError(error)}${where}`;
  }

  protected override nextAction(): string {
    return "default";
  }
}
