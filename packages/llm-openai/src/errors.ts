import {
  type AttemptFailureContext,
  AuthenticationError,
  abortError,
  ConnectionError,
  ContextLengthError,
  classifyTransportFailure,
  errorFromDetails,
  isLlmError,
  isQuotaCode,
  isQuotaFailure,
  LlmConfigurationError,
  type LlmError,
  type LlmErrorDetails,
  OverloadedError,
  parseProviderErrorBody,
  QuotaExceededError,
  RateLimitError,
  RequestTimeoutError,
  redactSecret,
  redactUrl,
  retryAfterMsFromHeaders,
  ServerError,
  safeCause,
  systemErrorCode,
} from "@sluice/llm";
import { type RateLimitDimension, rateLimitWaitMs } from "./rate-limit.js";

/**
 * OpenAI-compatible failures → @sluice/llm errors, decided by HTTP status, the body's `error.code`
 * and `error.type`; never by the wording of a message, which every server phrases differently.
 */

/** `error.code`s meaning the prompt plus the output cap does not fit the model's context window. */
const CONTEXT_CODES: ReadonlySet<string> = new Set([
  "context_length_exceeded",
  "context_window_exceeded",
  "model_context_window_exceeded",
  "prompt_too_long",
  "string_above_max_length",
]);

/** What a mid-stream error event may call a capacity problem (the emulator and vLLM say "overloaded"). */
const OVERLOADED_MARKERS: ReadonlySet<string> = new Set([
  "overloaded",
  "overloaded_error",
  "server_overloaded",
]);

const RATE_LIMIT_MARKERS: ReadonlySet<string> = new Set(["rate_limit_exceeded", "rate_limit_error"]);

/**
 * The raw HTTP answer behind a typed error, attached as its `cause` for debugging: the status and
 * the start of the body, with the API key redacted.
 */
export class ProviderResponseError extends Error {
  readonly code = "provider_response";
  /** Absent for an error event inside a 200 stream. */
  readonly status?: number;
  /** At most 2,000 characters of the body or event. */
  readonly body: string;

  constructor(message: string, body: string, status?: number) {
    super(message);
    this.name = "ProviderResponseError";
    this.body = body;
    if (status !== undefined) this.status = status;
  }
}

/** The facts of one failed response. */
export interface ResponseFailure {
  /** Absent for an error event inside a 200 stream. */
  readonly status?: number | undefined;
  /** Lower-cased, already redacted. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The body, parsed or as text. */
  readonly body?: unknown;
  readonly provider: string;
  /** The API key, so that nothing copied from the response can carry it. */
  readonly secret?: string | undefined;
  /** Tokens the call needed, to turn `x-ratelimit-*` resets into a wait when there is no retry-after. */
  readonly tokensNeeded?: number | undefined;
}

/**
 * The @sluice/llm error for an HTTP error response, or for an error event inside a stream.
 *
 * @example
 * failureToLlmError({ status: 429, headers: { "retry-after": "2" },
 *   body: { error: { code: "rate_limit_exceeded" } }, provider: "openai" }); // RateLimitError, retryAfterMs 2000
 */
export function failureToLlmError(failure: ResponseFailure): LlmError {
  const { status, headers, provider, secret } = failure;
  const fields = errorFields(failure.body);
  const type = fields.errorType ?? "";
  let retryAfterMs = headers ? retryAfterMsFromHeaders(headers) : undefined;
  if (retryAfterMs === undefined && status === 429 && headers) {
    retryAfterMs = rateLimitWaitMs(headers, {
      dimension: type === "requests" || type === "tokens" ? (type as RateLimitDimension) : undefined,
      tokensNeeded: failure.tokensNeeded,
    });
  }
  return errorFromDetails(
    {
      provider,
      status,
      headers,
      errorType: fields.errorType,
      errorCode: fields.errorCode,
      providerMessage: redactSecret(fields.message, secret),
      requestId: headers?.["x-request-id"] ?? headers?.["request-id"] ?? fields.requestId,
      retryAfterMs,
      // Without a status the failure came inside a 200 answer: the server may have generated part of it.
      ...(status === undefined ? { requestOutcome: "unknown" as const } : {}),
      cause: responseCause(failure),
    },
    // The statuses mean what they mean everywhere; a 503 is a local server's full queue (Ollama's
    // OLLAMA_MAX_QUEUE, llama.cpp loading a model) or an overloaded provider, as @sluice/llm maps it.
    { classify: classifyByCode, withoutStatus: fromStreamEvent },
  );
}

/** Spend caps and context overflows, which OpenAI-compatible servers name by code (or type). */
function classifyByCode(details: LlmErrorDetails): LlmError | undefined {
  const type = details.errorType ?? "";
  const code = details.errorCode ?? "";
  // OpenAI-style servers put the quota name in `type` as often as in `code`.
  if (isQuotaFailure(details) || isQuotaCode(type)) return new QuotaExceededError(details);
  if (CONTEXT_CODES.has(code)) return new ContextLengthError(details);
  return undefined;
}

/** An error event inside a 200 stream: no status, so its code and type decide. */
function fromStreamEvent(details: LlmErrorDetails): LlmError {
  const type = details.errorType ?? "";
  const code = details.errorCode ?? "";
  if (OVERLOADED_MARKERS.has(code) || OVERLOADED_MARKERS.has(type)) return new OverloadedError(details);
  if (RATE_LIMIT_MARKERS.has(code) || RATE_LIMIT_MARKERS.has(type)) return new RateLimitError(details);
  if (type === "authentication_error" || code === "invalid_api_key") return new AuthenticationError(details);
  if (type === "timeout_error") return new RequestTimeoutError(details);
  // server_error, api_error and anything new: the server's side, worth another try.
  return new ServerError(details);
}

/**
 * `error.type`, `error.code` and `error.message` of an OpenAI-style body, and the shapes local
 * servers use: `{"error": "message"}` (Ollama's native errors) and vLLM's top-level
 * `{"object": "error", "message", "type"}`. Numeric codes (llama.cpp's `"code": 503`) are ignored.
 */
export function errorFields(body: unknown): {
  errorType?: string;
  errorCode?: string;
  message?: string;
  requestId?: string;
} {
  const parsed = { ...parseProviderErrorBody(body) };
  const root = parseRoot(body);
  if (root) {
    if (parsed.message === undefined) {
      const message = nonEmpty(root.error) ?? nonEmpty(root.message);
      if (message !== undefined) parsed.message = message;
    }
    if (parsed.errorType === undefined && typeof root.error !== "object") {
      const type = nonEmpty(root.type);
      if (type !== undefined) parsed.errorType = type;
    }
  }
  return parsed;
}

function parseRoot(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

const BODY_EXCERPT = 2_000;

function responseCause(failure: ResponseFailure): ProviderResponseError {
  const text = typeof failure.body === "string" ? failure.body : (JSON.stringify(failure.body) ?? "");
  const body = redactSecret(text.slice(0, BODY_EXCERPT), failure.secret);
  const where =
    failure.status === undefined ? "An error event in the response stream" : `HTTP ${failure.status}`;
  return new ProviderResponseError(`${where} from ${failure.provider}: ${body}`, body, failure.status);
}

/** What the model knows about a call that threw, beyond the error itself. */
export interface ErrorContext extends AttemptFailureContext {
  readonly provider: string;
  /** How to start the server, for "connection refused". */
  readonly startHint?: string | undefined;
}

/**
 * The @sluice/llm error for anything a call threw: fetch's network errors, aborts, timeouts, bodies
 * that are not JSON. HTTP error responses go through `failureToLlmError` instead.
 */
export function toLlmError(error: unknown, context: ErrorContext): LlmError {
  if (isLlmError(error)) return error;
  const { provider, secret } = context;
  const cause = safeCause(error, secret);
  if (context.signal?.aborted) return abortError(context.signal, cause);
  // Timed out or garbled after sending: the server may have run the request.
  if (context.timedOut) {
    return new RequestTimeoutError({
      timeoutMs: context.timeoutMs,
      provider,
      cause,
      requestOutcome: "unknown",
    });
  }
  if (error instanceof SyntaxError) {
    return new ServerError({
      requestOutcome: "unknown",
      message:
        `${provider} sent a response that is not valid JSON. Retry the call; if it keeps happening, ` +
        "check the base URL points at an OpenAI-compatible API (ending in /v1) and any proxy in between.",
      provider,
      cause,
    });
  }
  const url = context.baseURL === undefined ? "the server" : redactUrl(context.baseURL, secret);
  const networkCode = systemErrorCode(error);
  if (error instanceof TypeError && networkCode === undefined && !FETCH_NETWORK_MESSAGES.has(error.message)) {
    // fetch refusing to build the request (an invalid header value, a bad URL): not transient.
    return new LlmConfigurationError(
      `fetch refused the request to ${url}: ${redactSecret(error.message, secret)} Check \`baseURL\`, \`apiKey\` and \`defaultHeaders\`.`,
      { provider, cause },
    );
  }
  const transport = classifyTransportFailure(error, context.progress ?? { responseStarted: false });
  if (networkCode === "ECONNREFUSED") {
    const hint = context.startHint ? ` If it is not, ${context.startHint}.` : "";
    return new ConnectionError({
      message:
        `Could not connect to ${url}: connection refused. Is your server running at ${url}?${hint} ` +
        "Otherwise point `baseURL` (or OPENAI_BASE_URL) at it.",
      provider,
      cause,
      ...transport,
    });
  }
  if (networkCode === "ENOTFOUND" || networkCode === "EAI_AGAIN") {
    return new ConnectionError({
      message: `Could not resolve the host of ${url} (${networkCode}). Check \`baseURL\` (or OPENAI_BASE_URL) and your network.`,
      provider,
      cause,
      ...transport,
    });
  }
  return new ConnectionError({
    message:
      `The connection to ${url} failed or was cut${networkCode ? ` (${networkCode})` : ""}. ` +
      "Retry; if it persists, check the network, proxy and base URL.",
    provider,
    cause,
    ...transport,
  });
}

/** What undici's fetch says for failures of the network itself (the details are in `cause`). */
const FETCH_NETWORK_MESSAGES: ReadonlySet<string> = new Set(["fetch failed", "terminated"]);
