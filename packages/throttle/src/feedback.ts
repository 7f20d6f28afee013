import { type HeadersLike, parseRateLimitHeaders, type RateLimitHeaders } from "./headers.js";
import { isQuotaFailure } from "./quota.js";

/**
 * What the provider said about one call: pass the response's status and headers after every call,
 * and the error fields after a failure. Every field is optional.
 */
export interface ProviderFeedback {
  readonly status?: number;
  readonly headers?: HeadersLike;
  /** The provider's error type, e.g. `rate_limit_error`, `overloaded_error`. */
  readonly errorType?: string;
  /** The finer error code, e.g. `ramp_limit_exceeded`, `insufficient_quota`, `enforced_spend_limit_reached`. */
  readonly errorCode?: string;
  /** A wait the caller already parsed from the response (overrides the headers). */
  readonly retryAfterMs?: number;
  /**
   * The error body (object or JSON text) when the type and code were not extracted: Anthropic's
   * `{ error: { type, details: { error_code } } }` and OpenAI's `{ error: { type, code } }` are read.
   */
  readonly body?: unknown;
  /**
   * An error's own verdict: on a 429, `false` marks a quota refusal and `true` a rate limit, whatever
   * else the response says (pass it along when the adapter has already told them apart).
   */
  readonly retryable?: boolean;
  /**
   * A connection-level failure with no HTTP status: the connection was refused, reset before any
   * response byte, reset after the request was sent, or the stream was cut mid-answer. Connection
   * weather is not our load, so these never move the concurrency cap.
   */
  readonly transportFailure?: TransportFailure;
}

/** How a call failed below HTTP (see `ProviderFeedback.transportFailure`). */
export type TransportFailure = "refused" | "reset_before_response" | "reset_after_request" | "stream_cut";

export const TRANSPORT_FAILURES: ReadonlySet<TransportFailure> = new Set<TransportFailure>([
  "refused",
  "reset_before_response",
  "reset_after_request",
  "stream_cut",
]);

/** How the throttle reads one piece of feedback. */
export type FeedbackKind =
  /** Nothing went wrong (headers may still update the buckets). */
  | "ok"
  /** A rate-limit 429: pause all admissions until retry-after. */
  | "rate_limited"
  /** An acceleration 429 (`ramp_limit_exceeded`): pause, and grow the admitted rate slowly afterwards. */
  | "ramp_limited"
  /** A spend cap or quota: fail at once, never retry. */
  | "quota_exhausted"
  /** The provider lacks capacity (529, 503, mid-stream `overloaded_error`): shrink concurrency. */
  | "overloaded"
  /** Another server-side failure (5xx, timeouts). */
  | "server_error"
  /** A connection-level failure (`transportFailure`, no status): counted, the cap does not move. */
  | "transport_failure"
  /** A client-side failure (4xx other than 429). */
  | "client_error";

export interface FeedbackReading {
  readonly kind: FeedbackKind;
  /** How long the provider asked us to wait, when it said so. */
  readonly retryAfterMs: number | undefined;
  /** The parsed rate-limit headers, when there were any. */
  readonly headers: RateLimitHeaders | undefined;
  readonly errorType: string | undefined;
  readonly errorCode: string | undefined;
}

const RATE_LIMIT_CODES = new Set([
  "rate_limit_exceeded",
  "rate_limited",
  "tokens_exceeded",
  "requests_exceeded",
]);

/**
 * Classifies provider feedback. A 429 is a quota refusal when its code says so
 * (`insufficient_quota`, `*_spend_limit_reached`, …), when the error itself says `retryable: false`,
 * or when nothing marks it as a rate limit: no `retryable: true`, no retry-after, no rate-limit code,
 * no exhausted rate-limit header (the signature of Anthropic's spend caps).
 *
 * @example
 * readFeedback({ status: 429, headers: { "retry-after": "20" } }, Date.now()).kind // → "rate_limited"
 * readFeedback({ status: 429, errorCode: "insufficient_quota" }, Date.now()).kind  // → "quota_exhausted"
 */
export function readFeedback(feedback: ProviderFeedback, now: number): FeedbackReading {
  const headers = feedback.headers === undefined ? undefined : parseRateLimitHeaders(feedback.headers, now);
  const fromBody =
    feedback.errorType === undefined || feedback.errorCode === undefined ? bodyError(feedback.body) : {};
  const errorType = feedback.errorType ?? fromBody.type;
  const errorCode = feedback.errorCode ?? fromBody.code;
  const ownRetryAfter = feedback.retryAfterMs;
  const retryAfterMs =
    typeof ownRetryAfter === "number" && Number.isFinite(ownRetryAfter) && ownRetryAfter >= 0
      ? ownRetryAfter
      : headers?.retryAfterMs;
  const kind =
    feedback.transportFailure !== undefined && feedback.status === undefined
      ? "transport_failure"
      : classify(feedback.status, errorType, errorCode, retryAfterMs, headers, feedback.retryable);
  return { kind, retryAfterMs, headers, errorType, errorCode };
}

function classify(
  status: number | undefined,
  errorType: string | undefined,
  errorCode: string | undefined,
  retryAfterMs: number | undefined,
  headers: RateLimitHeaders | undefined,
  retryable: boolean | undefined,
): FeedbackKind {
  if (isQuotaFailure(status, errorType, errorCode)) return "quota_exhausted";
  if (errorCode === "ramp_limit_exceeded") return "ramp_limited";
  if (status === 429 || errorType === "rate_limit_error") {
    // An error that already classified itself (as @sluice/llm's do) is taken at its word.
    if (retryable === false) return "quota_exhausted";
    if (retryable === true) return "rate_limited";
    const saysRateLimit =
      retryAfterMs !== undefined ||
      (errorCode !== undefined && RATE_LIMIT_CODES.has(errorCode)) ||
      exhausted(headers);
    return saysRateLimit ? "rate_limited" : "quota_exhausted";
  }
  if (status === 529 || status === 503 || errorType === "overloaded_error") return "overloaded";
  if (status !== undefined && status >= 500) return "server_error";
  if (errorType === "api_error" || errorType === "timeout_error") return "server_error";
  if (status !== undefined && status >= 400) return "client_error";
  if (errorType !== undefined) return "client_error";
  return "ok";
}

/** Whether a header reports some bucket at zero: the 429 is then a plain rate limit. */
function exhausted(headers: RateLimitHeaders | undefined): boolean {
  if (headers === undefined) return false;
  for (const window of [headers.requests, headers.inputTokens, headers.outputTokens, headers.tokens]) {
    if (window?.remaining === 0) return true;
  }
  return false;
}

function bodyError(body: unknown): { type?: string; code?: string } {
  let value = body;
  if (typeof value === "string") {
    if (!value.trimStart().startsWith("{")) return {};
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  const error = field(value, "error");
  if (error === undefined) return {};
  const type = field(error, "type");
  const code = field(error, "code") ?? field(field(error, "details"), "error_code");
  return {
    ...(typeof type === "string" ? { type } : {}),
    ...(typeof code === "string" ? { code } : {}),
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The feedback a thrown error carries (`status`, `headers`, `retryAfterMs`, `errorType`, `errorCode`,
 * `retryable`), as @sluice/llm's errors and the provider SDKs' errors do; undefined when it has none.
 */
export function feedbackFromError(error: unknown): ProviderFeedback | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const source = error as Record<string, unknown>;
  const status = typeof source.status === "number" ? source.status : undefined;
  const headers =
    typeof source.headers === "object" && source.headers !== null
      ? (source.headers as HeadersLike)
      : undefined;
  const retryAfterMs = typeof source.retryAfterMs === "number" ? source.retryAfterMs : undefined;
  const errorType = typeof source.errorType === "string" ? source.errorType : undefined;
  const errorCode = typeof source.errorCode === "string" ? source.errorCode : undefined;
  const transportFailure = TRANSPORT_FAILURES.has(source.transportFailure as TransportFailure)
    ? (source.transportFailure as TransportFailure)
    : undefined;
  if (
    transportFailure === undefined &&
    status === undefined &&
    headers === undefined &&
    retryAfterMs === undefined &&
    errorType === undefined &&
    errorCode === undefined
  ) {
    return undefined;
  }
  const retryable = typeof source.retryable === "boolean" ? source.retryable : undefined;
  // The provider SDKs keep the parsed error body in `error`; it names the type and code.
  const body = errorType === undefined || errorCode === undefined ? source.error : undefined;
  return {
    status,
    headers,
    retryAfterMs,
    errorType,
    errorCode,
    retryable,
    body,
    ...(transportFailure === undefined ? {} : { transportFailure }),
  };
}
