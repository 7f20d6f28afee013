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
  ServerError,
  TimeoutError,
} from "./errors.js";

/**
 * Helpers for adapters: turn HTTP statuses, headers and provider error bodies into the typed errors,
 * the same way for every provider. They read Anthropic's and OpenAI's error shapes.
 */

export type HeadersLike = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Headers as a plain object with lower-cased names (repeated headers joined with ", "). */
export function headersToRecord(headers: HeadersLike | undefined | null): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  if (typeof (headers as Headers).forEach === "function" && typeof (headers as Headers).get === "function") {
    (headers as Headers).forEach((value, name) => {
      record[name.toLowerCase()] = value;
    });
    return record;
  }
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    record[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return record;
}

/**
 * How long the provider asked to wait, from `retry-after-ms` or `retry-after` (seconds or an HTTP
 * date), in ms; undefined when it did not say.
 */
export function retryAfterMsFromHeaders(
  headers: HeadersLike | undefined | null,
  now: number = Date.now(),
): number | undefined {
  const record = headersToRecord(headers);
  const ms = Number.parseFloat(record["retry-after-ms"] ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = record["retry-after"];
  if (raw === undefined || raw.trim() === "") return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

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

const QUOTA_CODE = /spend|quota|billing|credit|budget/i;
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
 *
 * @example
 * if (!response.ok) throw errorFromHttp({ status: response.status, headers: response.headers,
 *   body: await response.text(), provider: "anthropic" });
 */
export function errorFromHttp(failure: HttpFailure): LlmError {
  const headers = headersToRecord(failure.headers);
  const parsed = parseProviderErrorBody(failure.body);
  const retryAfterMs = retryAfterMsFromHeaders(headers);
  const requestId = headers["request-id"] ?? headers["x-request-id"] ?? parsed.requestId;
  const details: LlmErrorDetails = {
    ...(failure.status === undefined ? {} : { status: failure.status }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(failure.headers ? { headers } : {}),
    ...(parsed.errorType === undefined ? {} : { errorType: parsed.errorType }),
    ...(parsed.errorCode === undefined ? {} : { errorCode: parsed.errorCode }),
    ...(parsed.message === undefined ? {} : { providerMessage: parsed.message }),
    ...(failure.provider === undefined ? {} : { provider: failure.provider }),
    ...(failure.cause === undefined ? {} : { cause: failure.cause }),
  };
  const code = parsed.errorCode ?? "";
  const type = parsed.errorType ?? "";

  if (QUOTA_CODE.test(code) || type === "billing_error" || type === "insufficient_quota") {
    return new QuotaExceededError(details);
  }
  if (CONTEXT_CODE.test(code) || type === "request_too_large") return new ContextLengthError(details);

  switch (failure.status) {
    case 400:
    case 422:
      return new InvalidRequestError(details);
    case 401:
      return new AuthenticationError(details);
    case 402:
      return new QuotaExceededError(details);
    case 403:
      return new PermissionError(details);
    case 404:
      return new NotFoundError(details);
    case 408:
    case 504:
      return new TimeoutError(details);
    case 413:
      return new ContextLengthError(details);
    case 429:
      return new RateLimitError(details);
    case 503:
    case 529:
      return new OverloadedError(details);
    case undefined:
      return errorFromType(type, details);
    default:
      if (failure.status >= 500) return new ServerError(details);
      if (failure.status === 409) return new ServerError(details);
      return type ? errorFromType(type, details) : new InvalidRequestError(details);
  }
}

function errorFromType(type: string, details: LlmErrorDetails): LlmError {
  switch (type) {
    case "overloaded_error":
      return new OverloadedError(details);
    case "rate_limit_error":
    case "rate_limit_exceeded":
      return new RateLimitError(details);
    case "authentication_error":
      return new AuthenticationError(details);
    case "permission_error":
      return new PermissionError(details);
    case "not_found_error":
      return new NotFoundError(details);
    case "invalid_request_error":
      return new InvalidRequestError(details);
    case "timeout_error":
      return new TimeoutError(details);
    default:
      return new ServerError(details);
  }
}
