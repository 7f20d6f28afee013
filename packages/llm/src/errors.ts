/**
 * The errors every adapter throws, whatever its provider or SDK. Match on `code` (stable across
 * versions) or use `isLlmError`; `retryable` and `retryAfterMs` are what retry loops (core's nodes,
 * @sluice/throttle) read.
 */

// A registry-wide symbol, so errors made by a second copy of this package (ESM next to CJS, two
// versions in node_modules) are still recognised.
const BRAND = Symbol.for("@sluice/llm/LlmError");

export type LlmErrorCode =
  | "rate_limited"
  | "overloaded"
  | "server_error"
  | "timeout"
  | "connection"
  | "authentication"
  | "permission"
  | "invalid_request"
  | "context_length"
  | "quota_exceeded"
  | "aborted"
  | "not_found"
  | "configuration";

/** Whether each code is worth retrying, as the classes below set it. */
export const LLM_ERROR_RETRYABLE: Readonly<Record<LlmErrorCode, boolean>> = {
  rate_limited: true,
  overloaded: true,
  server_error: true,
  timeout: true,
  connection: true,
  authentication: false,
  permission: false,
  invalid_request: false,
  context_length: false,
  quota_exceeded: false,
  aborted: false,
  not_found: false,
  configuration: false,
};

/**
 * What became of the request behind a failure, as far as the client can tell; limiters and budgets
 * settle the call's reservation by it:
 * - `not_sent`: nothing reached the server (connection refused, DNS failure): nothing was charged;
 * - `refused`: the server answered with an error status and generated nothing: one request was
 *   charged, no output (the error response's rate-limit headers say the rest);
 * - `unknown`: the request may have run (a reset after it was sent, a stream cut mid-answer, a
 *   timeout, a 504 from a gateway): count it as spent at its reservation.
 */
export type RequestOutcome = "not_sent" | "refused" | "unknown";

/** How a connection-level failure (one without an HTTP status) happened. */
export type TransportFailure =
  /** No connection: refused, host not found, unreachable. */
  | "refused"
  /** The connection dropped after the request went out, before any byte of the response. */
  | "reset_before_response"
  /** The connection dropped after the response head, before any of the answer arrived. */
  | "reset_after_request"
  /** A streamed answer stopped mid-way: part of it had arrived. */
  | "stream_cut";

/** What an adapter knows about a failure; every field is optional. */
export interface LlmErrorDetails {
  /** Replaces the default message (which says what to do). */
  readonly message?: string;
  /** The provider's own message, quoted in the default message. Never put secrets here. */
  readonly providerMessage?: string;
  readonly status?: number;
  /** How long the provider asked us to wait (retry-after / retry-after-ms), in ms. */
  readonly retryAfterMs?: number;
  readonly requestId?: string;
  /** Response headers, lower-cased names. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The provider's error type, e.g. "rate_limit_error", "overloaded_error". */
  readonly errorType?: string;
  /** The provider's finer error code, e.g. "ramp_limit_exceeded", "enforced_spend_limit_reached". */
  readonly errorCode?: string;
  readonly provider?: string;
  /** What became of the request; set by adapters (and by `errorFromDetails` for a status). */
  readonly requestOutcome?: RequestOutcome;
  /** For connection-level failures: how the connection failed. */
  readonly transportFailure?: TransportFailure;
  readonly cause?: unknown;
}

/** Base class of all errors from chat models. */
export class LlmError extends Error {
  readonly code: LlmErrorCode;
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly requestId?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly errorType?: string;
  readonly errorCode?: string;
  readonly provider?: string;
  /** What became of the request, when the adapter could tell (see `RequestOutcome`). */
  readonly requestOutcome?: RequestOutcome;
  /** How the connection failed, for failures without an HTTP status. */
  readonly transportFailure?: TransportFailure;

  constructor(code: LlmErrorCode, message: string, retryable: boolean, details: LlmErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined && Number.isFinite(details.retryAfterMs)) {
      this.retryAfterMs = Math.max(0, details.retryAfterMs);
    }
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.headers !== undefined) this.headers = details.headers;
    if (details.errorType !== undefined) this.errorType = details.errorType;
    if (details.errorCode !== undefined) this.errorCode = details.errorCode;
    if (details.provider !== undefined) this.provider = details.provider;
    if (details.requestOutcome !== undefined) this.requestOutcome = details.requestOutcome;
    if (details.transportFailure !== undefined) this.transportFailure = details.transportFailure;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /** A plain object for logs; carries no request content and no credentials. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      requestId: this.requestId,
      errorType: this.errorType,
      errorCode: this.errorCode,
      provider: this.provider,
      requestOutcome: this.requestOutcome,
      transportFailure: this.transportFailure,
    };
  }
}

/**
 * Whether `value` is an error from a chat model, optionally with a given code. Works across
 * duplicate copies of @sluice/llm, where `instanceof` on another copy's class would fail.
 *
 * @example
 * if (isLlmError(error, "quota_exceeded")) alertOnCall(error.message);
 */
export function isLlmError(value: unknown, code?: LlmErrorCode): value is LlmError {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as LlmError).code === code;
}

function compose(summary: string, details: LlmErrorDetails, advice: string): string {
  if (details.message !== undefined) return details.message;
  const where = details.status === undefined ? "" : ` (HTTP ${details.status})`;
  const said = details.providerMessage ? ` The provider said: "${details.providerMessage}".` : "";
  const id = details.requestId ? ` Request id: ${details.requestId}.` : "";
  return `${summary}${where}.${said}${id} ${advice}`;
}

function waitAdvice(retryAfterMs: number | undefined): string {
  return retryAfterMs === undefined
    ? "Retry later with backoff"
    : `Retry after ${Math.ceil(retryAfterMs / 100) / 10} s`;
}

export class RateLimitError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "rate_limited",
      compose(
        details.errorCode === "ramp_limit_exceeded"
          ? "The provider refused a sudden increase in traffic"
          : "The provider rate-limited this request",
        details,
        `${waitAdvice(details.retryAfterMs)}, and send work through a limiter (withLimiter + @sluice/throttle) ` +
          "so calls stay under your requests and tokens per minute.",
      ),
      true,
      details,
    );
  }
}

export class OverloadedError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "overloaded",
      compose(
        "The provider is overloaded",
        details,
        `${waitAdvice(details.retryAfterMs)}; this is temporary and not caused by your account's limits.`,
      ),
      true,
      details,
    );
  }
}

export class ServerError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "server_error",
      compose("The provider failed to handle the request", details, `${waitAdvice(details.retryAfterMs)}.`),
      true,
      details,
    );
  }
}

/** No complete response in time: `timeoutMs` ran out, or the provider answered 408 / 504. */
export class RequestTimeoutError extends LlmError {
  constructor(details: LlmErrorDetails & { readonly timeoutMs?: number } = {}) {
    super(
      "timeout",
      compose(
        details.timeoutMs === undefined
          ? "The request timed out"
          : `No complete response within timeoutMs = ${details.timeoutMs}`,
        details,
        "Retry, raise `timeoutMs`, or lower `maxTokens` so the answer arrives sooner.",
      ),
      true,
      details,
    );
  }
}

export class ConnectionError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "connection",
      compose(
        "The connection to the provider failed or was cut",
        details,
        "Retry; if it persists, check the network, proxy and base URL.",
      ),
      true,
      details,
    );
  }
}

export class AuthenticationError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "authentication",
      compose(
        "The provider rejected the API key",
        details,
        "Check the key (e.g. ANTHROPIC_API_KEY) is set, current and meant for this provider; retrying will not help.",
      ),
      false,
      details,
    );
  }
}

export class PermissionError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "permission",
      compose(
        "The API key is not allowed to use this model or feature",
        details,
        "Grant access in the provider's console or pick another model; retrying will not help.",
      ),
      false,
      details,
    );
  }
}

export class InvalidRequestError extends LlmError {
  constructor(details: LlmErrorDetails | string = {}) {
    const normalized = typeof details === "string" ? { message: details } : details;
    super(
      "invalid_request",
      compose(
        "The provider rejected the request as invalid",
        normalized,
        "Fix the request (see the provider's message); retrying it unchanged will fail again.",
      ),
      false,
      normalized,
    );
  }
}

export class ContextLengthError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "context_length",
      compose(
        "The prompt plus maxTokens does not fit the model's context window",
        details,
        "Shorten the input (split it into chunks), lower maxTokens, or use a model with a larger window.",
      ),
      false,
      details,
    );
  }
}

export class QuotaExceededError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "quota_exceeded",
      compose(
        "The account's spend cap or quota is exhausted",
        details,
        "Raise the limit or add credit in the provider's console; retrying will not succeed until then.",
      ),
      false,
      details,
    );
  }
}

export class AbortedError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "aborted",
      details.message ?? "The call was aborted through its signal before it finished.",
      false,
      details,
    );
  }
}

export class NotFoundError extends LlmError {
  constructor(details: LlmErrorDetails = {}) {
    super(
      "not_found",
      compose(
        "The provider does not know this model or endpoint",
        details,
        "Check the model id and the base URL.",
      ),
      false,
      details,
    );
  }
}

/**
 * @deprecated Renamed `RequestTimeoutError` (core's `ExecTimeoutError` is the other timeout); this
 * alias goes in the next minor release.
 */
export const TimeoutError = RequestTimeoutError;
/** @deprecated Renamed `RequestTimeoutError`. */
export type TimeoutError = RequestTimeoutError;

/** Sluice itself is set up wrongly (unknown provider, bad option); the message says what to change. */
export class LlmConfigurationError extends LlmError {
  constructor(message: string, details: Omit<LlmErrorDetails, "message"> = {}) {
    super("configuration", message, false, details);
  }
}

const BUILT_IN_CODES = new Map<Function, LlmErrorCode>([
  [RateLimitError, "rate_limited"],
  [OverloadedError, "overloaded"],
  [ServerError, "server_error"],
  [RequestTimeoutError, "timeout"],
  [ConnectionError, "connection"],
  [AuthenticationError, "authentication"],
  [PermissionError, "permission"],
  [InvalidRequestError, "invalid_request"],
  [ContextLengthError, "context_length"],
  [QuotaExceededError, "quota_exceeded"],
  [AbortedError, "aborted"],
  [NotFoundError, "not_found"],
  [LlmConfigurationError, "configuration"],
]);

/**
 * `instanceof` also accepts errors from another copy of this package: `LlmError` matches any
 * branded error, each built-in subclass matches its `code`. User subclasses keep the ordinary check.
 */
Object.defineProperty(LlmError, Symbol.hasInstance, {
  value: function hasInstance(this: Function, value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!isLlmError(value)) return false;
    if (this === LlmError) return true;
    const code = BUILT_IN_CODES.get(this);
    return code !== undefined && value.code === code;
  },
});
