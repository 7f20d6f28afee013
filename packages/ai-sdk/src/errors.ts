import {
  AbortedError,
  abortError,
  anthropicErrorRules,
  ConnectionError,
  classifyTransportFailure,
  type ErrorMappingRules,
  errorFromDetails,
  errorFromHttp,
  isLlmError,
  type LlmError,
  ServerError,
  TimeoutError,
} from "@sluice/llm";

/**
 * AI SDK failures → @sluice/llm's typed errors. The AI SDK reports a failed HTTP call as an
 * `APICallError` (status, response headers, body, its own `isRetryable`); errors inside a stream
 * arrive as `error` parts carrying the provider's error body. Classification follows the status and
 * the body's type and code, exactly as the native adapters do, so a throttle learns the same way
 * whichever route a call took.
 */

/** What the caller's side knows when a call fails. */
export interface FailureContext {
  /** The caller's signal: once it fired, every failure is `AbortedError`. */
  readonly signal?: AbortSignal | undefined;
  /** Fires when the call's own `timeoutMs` ran out. */
  readonly timeoutSignal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** The Sluice provider name, e.g. "anthropic". */
  readonly provider: string;
}

/** The shape of the AI SDK's `APICallError`, read structurally so any copy of the SDK maps the same. */
interface ApiCallErrorShape {
  readonly statusCode?: number;
  readonly responseHeaders?: Record<string, string>;
  readonly responseBody?: string;
  readonly isRetryable?: boolean;
  readonly message: string;
}

const API_CALL_ERROR_MARKER = Symbol.for("vercel.ai.error.AI_APICallError");

export function isApiCallError(error: unknown): error is Error & ApiCallErrorShape {
  if (typeof error !== "object" || error === null) return false;
  return (
    (error as Record<symbol, unknown>)[API_CALL_ERROR_MARKER] === true ||
    (error as { name?: unknown }).name === "AI_APICallError"
  );
}

/**
 * The @sluice/llm error for anything an AI SDK model threw or streamed as an `error` part.
 *
 * @example
 * try { await model.doGenerate(options) } catch (error) { throw toLlmError(error, { provider: "anthropic", signal }) }
 */
export function toLlmError(error: unknown, context: FailureContext): LlmError {
  if (isLlmError(error)) return error;
  const { provider } = context;
  if (context.signal?.aborted) return abortError(context.signal, error);
  if (context.timeoutSignal?.aborted)
    return new TimeoutError({ timeoutMs: context.timeoutMs, provider, cause: error });
  if (isAbort(error)) return new AbortedError({ provider, cause: error });

  if (isApiCallError(error)) {
    const status = error.statusCode;
    if (status === undefined) {
      // No response at all: fetch could not connect or the connection dropped.
      return new ConnectionError({
        provider,
        cause: error,
        providerMessage: error.message,
        ...transportOf(error),
      });
    }
    if (status >= 200 && status < 300) return garbled(provider, error);
    const failure = {
      status,
      headers: error.responseHeaders,
      body: error.responseBody,
      provider,
      cause: error,
    };
    return errorFromHttp(failure, rulesFor(provider));
  }

  // A provider's error body inside a 200 stream (Anthropic's `event: error`), passed on as is.
  const body = providerErrorBody(error);
  if (body !== undefined) {
    return errorFromDetails(
      {
        provider,
        errorType: body.type,
        ...(body.message === undefined ? {} : { providerMessage: body.message }),
        cause: error,
      },
      rulesFor(provider),
    );
  }
  const name = errorName(error);
  if (GARBLED_NAMES.has(name ?? "") || error instanceof SyntaxError) {
    return garbled(provider, error);
  }
  // fetch's own failures while reading a body ("terminated", "other side closed").
  return new ConnectionError({ provider, cause: error, ...transportOf(error) });
}

// Anthropic's own reading, shared with @sluice/llm-anthropic: the same failure maps to the same error
// whichever route the call took. Other providers get the provider-neutral mapping.
function rulesFor(provider: string): ErrorMappingRules | undefined {
  return provider === "anthropic" ? anthropicErrorRules : undefined;
}

// The AI SDK does not say how far the request got, so a reset counts as "may have run" (unknown)
// and only a connection that never opened as "not sent": the safe reading for reservations.
function transportOf(error: unknown) {
  return classifyTransportFailure(error, { responseStarted: false });
}

// The AI SDK's names for a response body that is not what the API promised.
const GARBLED_NAMES: ReadonlySet<string> = new Set([
  "AI_JSONParseError",
  "AI_TypeValidationError",
  "AI_InvalidResponseDataError",
  "AI_EmptyResponseBodyError",
]);

function garbled(provider: string, cause: unknown): LlmError {
  return new ServerError({
    message:
      "The provider sent a response the AI SDK could not parse. Retry the call; if it keeps happening, check proxies between you and the API.",
    provider,
    cause,
  });
}

function isAbort(error: unknown): boolean {
  const name = errorName(error);
  return name === "AbortError" || name === "ResponseAborted";
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === "string" ? name : undefined;
}

function providerErrorBody(error: unknown): { type: string; message?: string } | undefined {
  if (typeof error !== "object" || error === null || error instanceof Error) return undefined;
  const { type, message } = error as { type?: unknown; message?: unknown };
  if (typeof type !== "string" || type === "") return undefined;
  return typeof message === "string" ? { type, message } : { type };
}
