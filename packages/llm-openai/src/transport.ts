import {
  type AttemptProgress,
  anySignal,
  type HttpInfo,
  headersToRecord,
  type LlmError,
  redactRecord,
} from "@sluice/llm";
import type { HttpAttempt, ResolvedSettings } from "./config.js";
import { failureToLlmError, toLlmError } from "./errors.js";

/**
 * One HTTP attempt against `{baseURL}/chat/completions` over fetch: headers, the per-attempt timer
 * (which runs until the body has been read, so a stream that stalls after its headers times out
 * too), status and headers for `ChatResponse.http`, and error responses turned into typed errors.
 */

/** The timer and signal of one attempt. Call `dispose()` once its body has been read (or abandoned). */
export class Attempt {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;

  constructor(callerSignal: AbortSignal | undefined, timeoutMs: number | undefined) {
    this.timeoutMs = timeoutMs;
    if (timeoutMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        this.#controller.abort(new Error(`The attempt ran out of timeoutMs = ${timeoutMs}.`));
      }, timeoutMs);
    }
    this.signal = anySignal(callerSignal, this.#controller.signal);
  }

  /** Whether `timeoutMs` ran out on this attempt. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Stops the timer and, if the body is still being received, the request. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#controller.signal.aborted) this.#controller.abort(new Error("The attempt is over."));
  }
}

/** A response with status 2xx, still to be read within its attempt. */
export interface OpenedResponse {
  readonly response: Response;
  readonly http: HttpInfo;
  readonly requestId: string | undefined;
  readonly attempt: Attempt;
}

export interface SendOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** 1-based, for `onHttpResponse`. */
  readonly attemptNumber: number;
  readonly stream: boolean;
  /** What the call will be charged in tokens, to turn `x-ratelimit-*` resets into a wait. */
  readonly tokensNeeded?: number | undefined;
}

export class Transport {
  readonly #settings: ResolvedSettings;

  constructor(settings: ResolvedSettings) {
    this.#settings = settings;
  }

  /**
   * Sends the body and waits for the status and headers. A non-2xx answer is read and thrown as the
   * matching @sluice/llm error; a 2xx is returned with its attempt still running.
   */
  async send(body: unknown, options: SendOptions): Promise<OpenedResponse> {
    const settings = this.#settings;
    const attempt = new Attempt(options.signal, options.timeoutMs);
    let responseStarted = false;
    try {
      const response = await settings.fetch(settings.endpoint, {
        method: "POST",
        headers: this.#headers(options.stream),
        body: JSON.stringify(body),
        ...(attempt.signal ? { signal: attempt.signal } : {}),
      });
      responseStarted = true;
      const headers = redactRecord(headersToRecord(response.headers), settings.apiKey);
      const http: HttpInfo = { status: response.status, headers };
      if (!response.ok) {
        const text = await response.text();
        const error = failureToLlmError({
          status: response.status,
          headers,
          body: text,
          provider: settings.provider,
          secret: settings.apiKey,
          tokensNeeded: options.tokensNeeded,
        });
        this.#report(http, options.attemptNumber, error);
        throw error;
      }
      this.#report(http, options.attemptNumber, undefined);
      return { response, http, requestId: headers["x-request-id"] ?? headers["request-id"], attempt };
    } catch (error) {
      const mapped = this.toError(error, attempt, options.signal, { responseStarted });
      attempt.dispose();
      throw mapped;
    }
  }

  /**
   * The typed error for anything thrown while an attempt was running (or reading its body);
   * `progress` says how far it had got, to tell the kinds of connection failure apart.
   */
  toError(
    error: unknown,
    attempt: Attempt,
    callerSignal: AbortSignal | undefined,
    progress: AttemptProgress,
  ): LlmError {
    const settings = this.#settings;
    return toLlmError(error, {
      provider: settings.provider,
      signal: callerSignal,
      timedOut: attempt.timedOut,
      timeoutMs: attempt.timeoutMs,
      secret: settings.apiKey,
      baseURL: settings.baseURL,
      startHint: settings.startHint,
      progress,
    });
  }

  #headers(stream: boolean): Headers {
    const settings = this.#settings;
    const headers = new Headers({
      "content-type": "application/json",
      accept: stream ? "text/event-stream" : "application/json",
    });
    if (settings.apiKey !== undefined) headers.set("authorization", `Bearer ${settings.apiKey}`);
    // `set`, not a merged object: a default `Authorization` replaces ours instead of joining it.
    for (const [name, value] of Object.entries(settings.defaultHeaders)) headers.set(name, value);
    return headers;
  }

  #report(http: HttpInfo, attemptNumber: number, error: LlmError | undefined): void {
    const observe = this.#settings.onHttpResponse;
    if (!observe) return;
    const attempt: HttpAttempt = {
      ...http,
      attempt: attemptNumber,
      ...(error?.errorType === undefined ? {} : { errorType: error.errorType }),
      ...(error?.errorCode === undefined ? {} : { errorCode: error.errorCode }),
      ...(error?.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      ...(error === undefined ? {} : { retryable: error.retryable }),
    };
    try {
      observe(attempt);
    } catch {
      // An observer's bug must not turn a good response into a failed call.
    }
  }
}
