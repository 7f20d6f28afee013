export { anthropicErrorRules } from "./anthropic-rules.js";
export {
  type BackoffOptions,
  backoffDelayMs,
  MAX_RETRY_AFTER_MS,
  type RetryOptions,
  retryDelayMs,
  withRetries,
} from "./backoff.js";
export {
  type CallLlmOptions,
  type ChatCallRequest,
  type ChatOptions,
  callLlm,
  chat,
  DEFAULT_MAX_TOKENS,
} from "./call.js";
export { costUsd, type UsageCost, type UsageCostOptions, usageCost } from "./cost.js";
export {
  type DefaultModelOptions,
  type DefaultModelSource,
  type Env,
  getDefaultModel,
  listProviders,
  type ProviderFactory,
  type ProviderFactoryOptions,
  type ResolvedDefaultModel,
  registerProvider,
  resetDefaultModel,
  resolveDefaultModel,
  setDefaultModel,
} from "./default-model.js";
export { parseGoDuration, parsePlainNumber, parseRetryAfter, retryAfterMsFromHeaders } from "./durations.js";
export {
  AbortedError,
  AuthenticationError,
  ConnectionError,
  ContextLengthError,
  InvalidRequestError,
  isLlmError,
  LLM_ERROR_RETRYABLE,
  LlmConfigurationError,
  LlmError,
  type LlmErrorCode,
  type LlmErrorDetails,
  NotFoundError,
  OverloadedError,
  PermissionError,
  QuotaExceededError,
  RateLimitError,
  type RequestOutcome,
  RequestTimeoutError,
  ServerError,
  TimeoutError,
  type TransportFailure,
} from "./errors.js";
export {
  estimateInputTokens,
  estimateTextTokens,
  type TokenEstimateOptions,
  TokenEstimator,
  type TokenEstimatorOptions,
} from "./estimate.js";
export { type HeadersLike, headersToRecord } from "./headers.js";
export {
  type ErrorMappingRules,
  errorFromDetails,
  errorFromHttp,
  type HttpFailure,
  type ProviderErrorBody,
  parseProviderErrorBody,
} from "./http.js";
export {
  FEEDBACK_OBSERVED,
  type LimiterUsage,
  type LlmLimiter,
  type LlmLimiterCost,
  type LlmLimiterRunOptions,
  type LlmLimiterTaskContext,
  type ProviderFeedback,
  type WithLimiterOptions,
  withLimiter,
} from "./limiter.js";
export {
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  completeUsage,
  emptyUsage,
  type HttpInfo,
  isChatModel,
  type RateLimitAccounting,
  type StopReason,
  toStopReason,
  totalInputTokens,
  type Usage,
  validateChatRequest,
} from "./model.js";
export { createOfflineModel, OFFLINE_MODEL_ID, type OfflineModelOptions } from "./offline/model.js";
export {
  parseSummaryInstruction,
  type SummarizeOptions,
  type Summary,
  type SummaryInstruction,
  splitSentences,
  summarizeExtractive,
} from "./offline/summarize.js";
export type { AbortSignalLike, AbortSignalShape, ByteStream, ByteStreamReader } from "./platform.js";
export {
  ANTHROPIC_PRICES_AS_OF,
  ANTHROPIC_PRICING_URL,
  anthropicPrices,
  BATCH_PRICE_MULTIPLIER,
  CACHE_PRICE_MULTIPLIERS,
  defaultPrices,
  findModelPrice,
  type ModelPrice,
  offlinePrices,
  type PriceTable,
  type TokenRates,
} from "./prices.js";
export { isQuotaCode, isQuotaFailure, QUOTA_ERROR_CODES, type QuotaSignals } from "./quota.js";
export { redactRecord, redactSecret, redactUrl, safeCause } from "./secret.js";
export { abortError, anySignal, sleep, throwIfAborted } from "./signals.js";
export { readSse, type SseEvent, SseParser } from "./sse.js";
export { collectStream, streamOfResponse } from "./stream.js";
export {
  type AttemptFailureContext,
  type AttemptProgress,
  classifyTransportFailure,
  systemErrorCode,
  type TransportFailureReading,
} from "./transport-failure.js";
