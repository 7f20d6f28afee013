/** The summarizer's nodes and flows, and the types they share. */
export { CombineSummaries, type SummaryGroup } from "./combine-summaries.js";
export { LoadAndSummarizeFile, SummarizeMultipleFiles } from "./flows.js";
export { LoadFile } from "./load-file.js";
export type { CallResult } from "./model-call.js";
export { RunControl } from "./run-control.js";
export { type CallRetryOptions, isWorthRetrying, type SummarizerServices } from "./services.js";
export type { FileJob, FileParams, FileWork, Outcome, SummarizerShared } from "./shared.js";
export { type Chunk, TextSummarizer } from "./text-summarizer.js";
export { WriteSummary } from "./write-summary.js";
