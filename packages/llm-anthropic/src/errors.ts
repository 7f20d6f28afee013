import {
  AbortedError,
  type AttemptFailureContext,
  abortError,
  anthropicErrorRules,
  ConnectionError,
  classifyTransportFailure,
  errorFromDetails,
  headersToRecord,
  isLlmError,
  LlmConfigurationError,
  type LlmError,
  type RequestOutcome,
  RequestTimeoutError,
  redactRecord,
  redactSecret,
  redactUrl,
  retryAfterMsFromHeaders,
  ServerError,
  safeCause,
} from "@sluice/llm";

/**
 * SDK errors → @sluice/llm errors, decided by HTTP status, the body's `error.type` and its
 * `error.details.error_code`; never by the wording of a message, which Anthropic may change.
 */

export const PROVIDER = "anthropic";

/** The facts of one failed call, as read from an SDK error (or an errored batch line). */
export interface ProviderFailure {
  /** Absent for errors inside a 200 stream (SSE `event: error`) and for batch lines. */
  readonly status?: number | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly errorType?: string | undefined;
  readonly errorCode?: string | undefined;
  /** Anthropic's own message, quoted in ours (after redaction). */
  readonly providerMessage?: string | undefined;
  readonly requestId?: string | undefined;
  readonly requestOutcome?: RequestOutcome | undefined;
  readonly cause?: unknown;
}

/** What the model knows about the call that failed, beyond the error itself. */
export type ErrorContext = AttemptFailureContext;

/**
 * The @sluice/llm error for anything the SDK (or fetch under it) threw.
 *
 * @example
 * try { await client.messages.create(params) } catch (error) { throw toLlmError(error, { signal }) }
 */
export function toLlmError(error: unknown, context: ErrorContext = {}): LlmError {
  if (isLlmError(error)) return error;
  const cause = safeCause(error, context.secret);
  if (context.signal?.aborted) return abortError(context.signal, cause);
  // A timeout after sending: the server may have run the request.
  if (context.timedOut) {
    return new RequestTimeoutError({
      timeoutMs: context.timeoutMs,
      provider: PROVIDER,
      cause,
      requestOutcome: "unknown",
    });
  }

  const name = errorName(error);
  const connectionFailure = () => {
    const transport = classifyTransportFailure(error, context.progress ?? { responseStarted: false });
    const url = context.baseURL === undefined ? undefined : redactUrl(context.baseURL, context.secret);
    // Name the server when nothing answers at all: a wrong base URL is the usual cause.
    const message =
      transport.transportFailure === "refused" && url !== undefined
        ? `Could not connect to ${url}: is the server running there? Otherwise point \`baseURL\` (or ANTHROPIC_BASE_URL) at it.`
        : undefined;
    return new ConnectionError({ provider: PROVIDER, cause, ...transport, ...(message ? { message } : {}) });
  };
  if (name === "APIUserAbortError") return new AbortedError({ provider: PROVIDER, cause });
  if (name === "APIConnectionTimeoutError") {
    return new RequestTimeoutError({ provider: PROVIDER, cause, requestOutcome: "unknown" });
  }
  if (name === "APIConnectionError") return connectionFailure();

  if (isApiError(error)) {
    const headers = error.headers ? redactRecord(headersToRecord(error.headers), context.secret) : undefined;
    return failureToLlmError({
      status: typeof error.status === "number" ? error.status : undefined,
      headers,
      errorType: stringOrUndefined(error.type) ?? bodyField(error.error, "type"),
      errorCode: stringOrUndefined(error.errorCode) ?? bodyDetail(error.error, "error_code"),
      providerMessage: redactSecret(
        stringOrUndefined(error.apiMessage) ?? bodyField(error.error, "message"),
        context.secret,
      ),
      requestId: stringOrUndefined(error.requestID) ?? headers?.["request-id"] ?? bodyRequestId(error.error),
      // No status: an `event: error` inside a 200 stream, after part of the answer may have been generated.
      ...(typeof error.status === "number" ? {} : { requestOutcome: "unknown" as const }),
      cause,
    });
  }

  // A 200 whose body is not the JSON (or SSE) it claims to be: the response was garbled in
  // transit or by the server, and asking again is the fix.
  if (error instanceof SyntaxError) {
    return new ServerError({
      requestOutcome: "unknown",
      message:
        "Anthropic sent a response that is not valid JSON. Retry the call; if it keeps happening, check proxies between you and the API.",
      provider: PROVIDER,
      cause,
    });
  }
  // The SDK refusing a call on the client side (bad option, missing credentials): not transient.
  if (name === "AnthropicError") {
    const message = redactSecret(String((error as Error).message), context.secret);
    return new LlmConfigurationError(`The Anthropic SDK refused the call: ${message}`, {
      provider: PROVIDER,
      cause,
    });
  }
  // fetch's own failures while reading a body ("terminated", "other side closed", aborts we did not ask for).
  return connectionFailure();
}

/**
 * The @sluice/llm error for a failure described by status, type and code; also used for errored
 * Message Batches lines, which carry a type and a code but no status. Anthropic's own codes decide
 * first (@sluice/llm's `anthropicErrorRules`, shared with @sluice/ai-sdk); the rest is the shared
 * status and type mapping.
 */
export function failureToLlmError(failure: ProviderFailure): LlmError {
  const { headers } = failure;
  return errorFromDetails(
    {
      provider: PROVIDER,
      status: failure.status,
      headers,
      errorType: failure.errorType,
      errorCode: failure.errorCode,
      providerMessage: failure.providerMessage,
      requestId: failure.requestId,
      ...(failure.requestOutcome === undefined ? {} : { requestOutcome: failure.requestOutcome }),
      retryAfterMs: headers ? retryAfterMsFromHeaders(headers) : undefined,
      cause: failure.cause,
    },
    anthropicErrorRules,
  );
}

interface ApiErrorShape {
  readonly status?: unknown;
  readonly headers?: Headers | null;
  readonly error?: unknown;
  readonly type?: unknown;
  readonly errorCode?: unknown;
  readonly apiMessage?: unknown;
  readonly requestID?: unknown;
}

// Structural rather than `instanceof`, so a client from another copy of the SDK (passed through the
// `client` option) maps the same way.
function isApiError(error: unknown): error is Error & ApiErrorShape {
  if (!(error instanceof Error)) return false;
  return "status" in error && "headers" in error && "error" in error;
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === "string" ? name : undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function errorObject(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  return typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : undefined;
}

function bodyField(body: unknown, field: "type" | "message"): string | undefined {
  return stringOrUndefined(errorObject(body)?.[field]);
}

function bodyDetail(body: unknown, field: "error_code"): string | undefined {
  const details = errorObject(body)?.details;
  if (typeof details !== "object" || details === null) return undefined;
  return stringOrUndefined((details as Record<string, unknown>)[field]);
}

function bodyRequestId(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  return stringOrUndefined((body as { request_id?: unknown }).request_id);
}

/**
 * The error for one errored Message Batches line (`result.error` is Anthropic's error body).
 */
export function batchLineError(body: unknown, secret: string | undefined): LlmError {
  return failureToLlmError({
    errorType: bodyField(body, "type"),
    errorCode: bodyDetail(body, "error_code"),
    providerMessage: redactSecret(bodyField(body, "message"), secret),
    requestId: bodyRequestId(body),
  });
}
