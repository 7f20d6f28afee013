import { retryAfterMsFromHeaders } from "./durations.js";
import {
  AuthenticationError,
  ContextLengthError,
  InvalidRequestError,
  type LlmError,
  type LlmErrorDetails,
  NotFoundError,
  OverloadedError,
  PermissionError,
  QuotaExceededError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
} from "./errors.js";
import { type HeadersLike, headersToRecord } from "./headers.js";
import { isQuotaFailure } from "./quota.js";

/**
 * Helpers for adapters: turn HTTP statuses, headers and provider error bodies into the typed errors,
 * the same way for every provider. They read Anthropic's and OpenAI's error shapes.
 */

/** The error fields found in an Anthropic or OpenAI error body. */
export interface ProviderErrorBody {
  readonly errorType?: string;
  readonly errorCode?: string;
  readonly message?: string;
  readonly requestId?: string;
}

/**
 * Reads `{"type":"error","error":{"type","message","details":{"error_code"}},"request_id"}` (Anthropic)
 * or `{"error":{"type","code","message"}}` (OpenAI); accepts the body parsed or as text.
 */
export function parseProviderErrorBody(body: unknown): ProviderErrorBody {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (typeof value !== "object" || value === null) return {};
  const root = value as Record<string, unknown>;
  const error = (typeof root.error === "object" && root.error !== null ? root.error : {}) as Record<
    string,
    unknown
  >;
  const details = (
    typeof error.details === "object" && error.details !== null ? error.details : {}
  ) as Record<string, unknown>;
  const pick = (...candidates: unknown[]) =>
    candidates.find((c): c is string => typeof c === "string" && c !== "");
  const result: {
    errorType?: string;
    errorCode?: string;
    message?: string;
    requestId?: string;
  } = {};
  const errorType = pick(error.type);
  const errorCode = pick(details.error_code, error.code, error.error_code);
  const message = pick(error.message);
  const requestId = pick(root.request_id);
  if (errorType !== undefined) result.errorType = errorType;
  if (errorCode !== undefined) result.errorCode = errorCode;
  if (message !== undefined) result.message = message;
  if (requestId !== undefined) result.requestId = requestId;
  return result;
}

const CONTEXT_CODE = /context|too_long|too_large|max_tokens_exceeded/i;

export interface HttpFailure {
  /** HTTP status; leave it out for errors that arrive inside a 200 stream (SSE `event: error`). */
  readonly status?: number;
  readonly headers?: HeadersLike | null;
  /** The error body, parsed or as text. */
  readonly body?: unknown;
  readonly provider?: string;
  readonly cause?: unknown;
}

/**
 * The typed error for a failed HTTP call, from its status, error type and error code (never from the
 * message text). A 429 with a spend or quota code, or a 402, is `QuotaExceededError` (never retried).
 * `rules` replace the provider-neutral reading with a vendor's (e.g. `anthropicErrorRules`).
 *
 * @example
 * if (!response.ok) throw errorFromHttp({ status: response.status, headers: response.headers,
 *   body: await response.text(), provider: "anthropic" });
 */
export function errorFromHttp(failure: HttpFailure, rules: ErrorMappingRules = NEUTRAL_RULES): LlmError {
  const headers = headersToRecord(failure.headers);
  const parsed = parseProviderErrorBody(failure.body);
  return errorFromDetails(
    {
      status: failure.status,
      retryAfterMs: retryAfterMsFromHeaders(headers),
      requestId: headers["request-id"] ?? headers["x-request-id"] ?? parsed.requestId,
      headers: failure.headers ? headers : undefined,
      errorType: parsed.errorType,
      errorCode: parsed.errorCode,
      providerMessage: parsed.message,
      provider: failure.provider,
      // Without a status the error came inside a 200 answer, part of which may have been generated.
      ...(failure.status === undefined ? { requestOutcome: "unknown" as const } : {}),
      cause: failure.cause,
    },
    rules,
  );
}

/** Provider-specific rules for `errorFromDetails`. */
export interface ErrorMappingRules {
  /**
   * The provider's own decision, taken before anything else: its codes for spend caps, context
   * overflows or ramp limits, and the statuses it uses differently from the shared mapping. Return
   * undefined to leave the failure to that mapping.
   */
  readonly classify?: (details: LlmErrorDetails) => LlmError | undefined;
  /**
   * The error for a failure without a status: an error event inside a 200 stream, a batch line.
   * Default: by `errorType`, in Anthropic's names (`overloaded_error`, `rate_limit_error`,
   * `authentication_error`, …); an unknown type is a retryable `ServerError`.
   */
  readonly withoutStatus?: (details: LlmErrorDetails) => LlmError;
}

/**
 * The typed error for a failure an adapter has already read into `details`: the provider's
 * `classify` first, then the status (400/422 invalid request, 401 authentication, 402 quota,
 * 403 permission, 404 not found, 408/504 timeout, 409 and other 5xx server error, 413 context
 * length, 429 rate limit, 503/529 overloaded, any other status invalid request), or `withoutStatus`
 * when there is none. `details` becomes the error's fields, so fill in everything known. With a
 * status, `requestOutcome` defaults to "refused" ("unknown" for a 504).
 *
 * @example
 * return errorFromDetails(
 *   { status, headers, errorType, errorCode, providerMessage, requestId, retryAfterMs, provider: "acme", cause },
 *   { classify: (d) => (d.errorCode === "out_of_credits" ? new QuotaExceededError(d) : undefined) },
 * );
 */
export function errorFromDetails(given: LlmErrorDetails, rules: ErrorMappingRules = {}): LlmError {
  const details = withStatusOutcome(given);
  const decided = rules.classify?.(details);
  if (decided !== undefined) return decided;
  if (details.status === undefined) return (rules.withoutStatus ?? errorFromErrorType)(details);
  const ErrorClass =
    ERROR_BY_STATUS.get(details.status) ?? (details.status >= 500 ? ServerError : InvalidRequestError);
  return new ErrorClass(details);
}

/**
 * A status means the server answered: it refused the request and generated nothing, except a 504,
 * where a gateway gave up on an upstream that may still have run it.
 */
function withStatusOutcome(details: LlmErrorDetails): LlmErrorDetails {
  if (details.status === undefined || details.requestOutcome !== undefined) return details;
  return { ...details, requestOutcome: details.status === 504 ? "unknown" : "refused" };
}

type ErrorClass = new (details: LlmErrorDetails) => LlmError;

const ERROR_BY_STATUS: ReadonlyMap<number, ErrorClass> = new Map<number, ErrorClass>([
  [400, InvalidRequestError],
  [401, AuthenticationError],
  [402, QuotaExceededError],
  [403, PermissionError],
  [404, NotFoundError],
  [408, RequestTimeoutError],
  // A conflict (a lock timeout on the provider's side): the provider's problem, worth another try.
  [409, ServerError],
  [413, ContextLengthError],
  [422, InvalidRequestError],
  [429, RateLimitError],
  [503, OverloadedError],
  [504, RequestTimeoutError],
  [529, OverloadedError],
]);

function errorFromErrorType(details: LlmErrorDetails): LlmError {
  switch (details.errorType) {
    case "overloaded_error":
      return new OverloadedError(details);
    case "rate_limit_error":
      return new RateLimitError(details);
    case "authentication_error":
      return new AuthenticationError(details);
    case "permission_error":
      return new PermissionError(details);
    case "not_found_error":
      return new NotFoundError(details);
    case "invalid_request_error":
    case "request_too_large":
      return new InvalidRequestError(details);
    case "timeout_error":
      return new RequestTimeoutError(details);
    default:
      // api_error, conflict_error and anything new: the server's side, worth another try.
      return new ServerError(details);
  }
}

/**
 * `errorFromHttp` reads Anthropic's and OpenAI's bodies alike, so it takes either's names for a
 * spend cap or an oversized prompt. A status no provider documents says less than the body's type.
 */
function classifyByNeutralCodes(details: LlmErrorDetails): LlmError | undefined {
  const code = details.errorCode ?? "";
  const type = details.errorType ?? "";
  if (isQuotaFailure(details)) return new QuotaExceededError(details);
  if (CONTEXT_CODE.test(code) || type === "request_too_large") return new ContextLengthError(details);
  const { status } = details;
  if (status !== undefined && status < 500 && !ERROR_BY_STATUS.has(status) && type !== "") {
    return errorFromNeutralType(details);
  }
  return undefined;
}

const NEUTRAL_RULES: ErrorMappingRules = {
  classify: classifyByNeutralCodes,
  withoutStatus: errorFromNeutralType,
};

/** OpenAI-style servers put their code `rate_limit_exceeded` where Anthropic puts a type. */
function errorFromNeutralType(details: LlmErrorDetails): LlmError {
  return details.errorType === "rate_limit_exceeded"
    ? new RateLimitError(details)
    : errorFromErrorType(details);
}
