// Importing the package registers "anthropic" with @sluice/llm's default-model registry.

export {
  AnthropicBatches,
  type BatchProgress,
  createMessageBatches,
  type MessageBatchesOptions,
  type MessageBatchRequest,
  type RunOptions,
  type SubmitOptions,
  type WaitOptions,
} from "./batches/batches.js";
export { assignCustomIds, CUSTOM_ID_PATTERN, isValidCustomId } from "./batches/custom-ids.js";
export { type BatchLimits, type BatchRange, MESSAGE_BATCH_LIMITS, planBatches } from "./batches/plan.js";
export { DEFAULT_POLL_SCHEDULE, type PollSchedule, type Sleep } from "./batches/poll.js";
export type { BatchOutcome } from "./batches/results.js";
export { type MessageBatchesState, parseState, type SubmittedBatch } from "./batches/state.js";
export type { ClientSettings } from "./client.js";
export { type ErrorContext, failureToLlmError, type ProviderFailure, toLlmError } from "./errors.js";
export type { HttpAttempt } from "./http-capture.js";
export {
  type AnthropicChatModel,
  type AnthropicModelOptions,
  createAnthropicModel,
  DEFAULT_ANTHROPIC_MODEL,
} from "./model.js";
export { unregisterAnthropicProvider } from "./register.js";
export { NON_STREAMING_MAX_TOKENS, needsStreaming, toMessageParams } from "./request.js";
export { toChatResponse } from "./response.js";
