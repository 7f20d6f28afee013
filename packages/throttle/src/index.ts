export type { AbortSignalLike, AbortSignalShape } from "./abort-signal.js";
export { type Clock, ManualClock, systemClock } from "./clock.js";
export {
  STANDARD_DIMENSIONS,
  type StandardDimension,
  type ThrottleCost,
  type ThrottleUsage,
} from "./cost.js";
export {
  CostExceedsLimitError,
  DeadlineExceededError,
  DeadlineUnreachableError,
  InvalidArgumentError,
  InvalidCostError,
  type ProviderRefusal,
  QuotaExhaustedError,
  ThrottleArgumentError,
  ThrottleClosedError,
  ThrottleError,
  ThrottleQuotaError,
} from "./errors.js";
export type { PauseReason, ThrottleEventName, ThrottleEvents, ThrottleListener } from "./events.js";
export {
  type FeedbackKind,
  type FeedbackReading,
  feedbackFromError,
  type ProviderFeedback,
  readFeedback,
  type TransportFailure,
} from "./feedback.js";
export {
  type HeadersLike,
  parseGoDuration,
  parseRateLimitHeaders,
  parseRetryAfter,
  type RateLimitHeaders,
  type RateLimitWindow,
} from "./headers.js";
export type { ThrottleTaskContext } from "./job.js";
export {
  type MakespanBound,
  type MakespanLimits,
  type MakespanTerm,
  type MakespanWorkload,
  type MinuteAmounts,
  makespanLowerBound,
} from "./makespan.js";
export { defaultBurst, type RateLimit, type ThrottleOptions } from "./options.js";
export {
  backoffMs,
  isRetryableError,
  RetryBudget,
  type RetryBudgetOptions,
  type RetryOptions,
  type RetryPolicy,
  resolveRetry,
} from "./retry.js";
export type { BucketStats, ThrottleStats } from "./stats.js";
export { type BucketShape, type BucketSnapshot, MemoryStore, type ThrottleStore } from "./store.js";
export { type CloseOptions, type Priority, Throttle, type ThrottleRunOptions } from "./throttle.js";
