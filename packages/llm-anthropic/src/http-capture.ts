import type { Middleware } from "@anthropic-ai/sdk";
import { type HttpInfo, headersToRecord, retryAfterMsFromHeaders } from "@sluice/llm";
import { failureToLlmError } from "./errors.js";

/**
 * One HTTP attempt's outcome, as `onHttpResponse` receives it: a @sluice/throttle `ProviderFeedback`
 * as it is (`throttle.observe(attempt)`).
 */
export interface HttpAttempt extends HttpInfo {
  /** 1-based: 1 is the first try, 2 the SDK's first retry, … */
  readonly attempt: number;
  /** For error responses: the body's `error.type`, e.g. "rate_limit_error". */
  readonly errorType?: string;
  /** For error responses: the body's `error.details.error_code`, e.g. "ramp_limit_exceeded". */
  readonly errorCode?: string;
  /** For error responses: what `retry-after-ms` / `retry-after` asked for, in ms. */
  readonly retryAfterMs?: number;
}

export interface HttpCaptureOptions {
  /** Per-attempt limit in ms, from sending the request to the last byte of the body. */
  readonly timeoutMs?: number | undefined;
  /** Called with the status and headers of every HTTP response, the SDK's own retries included; what it throws is ignored. */
  readonly onHttpResponse?: ((attempt: HttpAttempt) => void) | undefined;
}

/**
 * One call's view of its HTTP attempts, through a per-request SDK middleware (which runs once per
 * attempt, retries included): the status and lower-cased headers of the last response, for
 * `ChatResponse.http` and limiter feedback; the per-attempt `timeoutMs`; and a stop to the SDK's
 * retries of spend-cap 429s, which it would otherwise retry like any 429.
 *
 * The SDK's own `timeout` only covers the wait for response headers, and a stream that stops mid-way
 * would hang until then; so the timer here runs until the call is disposed, and firing it aborts the
 * attempt's fetch (body included). Call `dispose()` when the call settles.
 */
export class HttpCapture {
  readonly #timeoutMs: number | undefined;
  readonly #onHttpResponse: ((attempt: HttpAttempt) => void) | undefined;
  #attempts = 0;
  #last: HttpInfo | undefined;
  #responded = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;

  constructor(options: HttpCaptureOptions = {}) {
    this.#timeoutMs = options.timeoutMs;
    this.#onHttpResponse = options.onHttpResponse;
  }

  /** Status and headers of the latest response, if any arrived. */
  get http(): HttpInfo | undefined {
    return this.#last;
  }

  /** HTTP attempts made so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /** Whether the latest attempt's response head arrived (a later failure cut its body). */
  get responseStarted(): boolean {
    return this.#responded;
  }

  /** Whether the latest attempt ran out of `timeoutMs`. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  get timeoutMs(): number | undefined {
    return this.#timeoutMs;
  }

  readonly middleware: Middleware = async (request, next, context) => {
    this.#attempts += 1;
    const attempt = this.#attempts;
    // A new attempt supersedes the previous one's timer: only the running attempt can time out.
    this.#clearTimer();
    this.#timedOut = false;
    this.#responded = false;

    let attemptRequest = request;
    if (this.#timeoutMs !== undefined) {
      const expiry = new AbortController();
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        // No reason given: fetch then rejects with a DOMException named "AbortError", which the SDK
        // classifies as a timed-out attempt (and retries if it still may).
        expiry.abort();
      }, this.#timeoutMs);
      const signals = [expiry.signal, ...(request.signal ? [request.signal] : [])];
      attemptRequest = { ...request, signal: AbortSignal.any(signals) };
    }

    const response = await next(attemptRequest);
    this.#responded = true;
    const http: HttpInfo = { status: response.status, headers: headersToRecord(response.headers) };
    this.#last = http;
    let observed: HttpAttempt = { ...http, attempt };
    let quota = false;
    if (response.status >= 400) {
      // `parse` reads a clone (cached per response), so the SDK can still read the body.
      const fields = errorFields(await context.parse(response).catch(() => undefined));
      const retryAfterMs = retryAfterMsFromHeaders(http.headers);
      observed = { ...observed, ...fields, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
      quota =
        failureToLlmError({ status: response.status, headers: http.headers, ...fields }).code ===
        "quota_exceeded";
    }
    try {
      this.#onHttpResponse?.(observed);
    } catch {
      // An observer's bug must not turn a good response into a failed call.
    }
    if (quota && response.status === 429) {
      // The SDK retries every 429 but obeys `x-should-retry`: retrying a spend cap only burns time
      // until a human raises it.
      const headers = new Headers(response.headers);
      headers.set("x-should-retry", "false");
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    }
    return response;
  };

  /** Stops the timer; call when the call has settled either way. */
  dispose(): void {
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** `error.type` and `error.details.error_code` of an Anthropic error body, when present. */
function errorFields(body: unknown): { errorType?: string; errorCode?: string } {
  const error = (
    typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined
  ) as { type?: unknown; details?: { error_code?: unknown } | null } | undefined;
  const errorType = typeof error?.type === "string" ? error.type : undefined;
  const errorCode = typeof error?.details?.error_code === "string" ? error.details.error_code : undefined;
  return {
    ...(errorType === undefined ? {} : { errorType }),
    ...(errorCode === undefined ? {} : { errorCode }),
  };
}
