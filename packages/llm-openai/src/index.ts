// Importing the package registers "openai" (and the local presets) with @sluice/llm's default-model registry
// (see register.ts, kept in the bundle by the export of unregisterOpenAIProviders below).

/**
 * @deprecated Import from @sluice/llm, the one home of header parsing and transport retries; these
 * re-exports go in the next minor release.
 */
export { MAX_RETRY_AFTER_MS, parseGoDuration } from "@sluice/llm";
export type { FetchFunction, HttpAttempt, OpenAICompatibleModelOptions } from "./config.js";
export { DEFAULT_MAX_RETRIES } from "./config.js";
export {
  type ErrorContext,
  failureToLlmError,
  ProviderResponseError,
  type ResponseFailure,
  toLlmError,
} from "./errors.js";
export { createOpenAICompatibleModel, type OpenAICompatibleChatModel } from "./model.js";
export {
  DEFAULT_OPENAI_MODEL,
  type MaxTokensField,
  OPENAI_BASE_URL,
  OPENAI_COMPATIBLE_PRESETS,
  type OpenAICompatiblePreset,
  type PresetDefaults,
} from "./presets.js";
export { type RateLimitWaitOptions, rateLimitWaitMs } from "./rate-limit.js";
export { unregisterOpenAIProviders } from "./register.js";
export { type ChatCompletionBody, type ChatCompletionMessage, toChatCompletionBody } from "./request.js";
export { finishReasonToStopReason, isUsageEstimated, type OpenAIChatResponse } from "./response.js";
