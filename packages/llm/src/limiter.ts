import {
  ConnectionError,
  isLlmError,
  LlmConfigurationError,
  type LlmError,
  type TransportFailure,
} from "./errors.js";
import { TokenEstimator } from "./estimate.js";
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  HttpInfo,
  RateLimitAccounting,
  Usage,
} from "./model.js";
import { totalInputTokens, validateChatRequest } from "./model.js";
import type { AbortSignalLike } from "./platform.js";
import { abortError, anySignal } from "./signals.js";
import { EventChannel } from "./stream.js";

/**
 * The limiter shape `withLimiter` needs. It is structural: @sluice/core's `Limiter` and
 * @sluice/throttle's `Throttle` both fit, and so does anything with a compatible `run`.
 */
export interface LlmLimiter {
  run<T>(task: (context: LlmLimiterTaskContext) => Promise<T>, options?: LlmLimiterRunOptions): Promise<T>;
  /** Optional: learns from provider responses (status, rate-limit headers, retry-after). */
  observe?(feedback: ProviderFeedback): void;
}

export interface LlmLimiterTaskContext {
  /** Fires when the limiter cancels the job. */
  readonly signal: AbortSignalLike;
  /** 1-based attempt number, when the limiter retries by itself. */
  readonly attempt?: number;
  /**
   * Optional: settles the job's reservation at what was really used (the rest is given back). May
   * be called by a task that then throws; a task that never calls it keeps its whole reservation.
   */
  reportUsage?(actual: LimiterUsage): void;
}

/** What one attempt really used, as `reportUsage` takes it. */
export interface LimiterUsage {
  readonly requests?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly tokens?: number;
}

export interface LlmLimiterCost {
  readonly requests?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly [dimension: string]: number | undefined;
}

export interface LlmLimiterRunOptions {
  readonly signal?: AbortSignalLike;
  readonly cost?: LlmLimiterCost;
}

/** What a response or a failure tells a limiter about the provider's limits. */
export interface ProviderFeedback {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly errorType?: string;
  readonly errorCode?: string;
  readonly retryAfterMs?: number;
  /**
   * The adapter's verdict on a failure. A limiter that cannot classify a 429 on its own (no
   * retry-after, no code) would otherwise have to guess between "slow down" and "spend cap".
   */
  readonly retryable?: boolean;
  /**
   * For connection-level failures (no status): how the connection failed. Connection weather is
   * not our load, so a limiter may keep its concurrency cap where it is.
   */
  readonly transportFailure?: TransportFailure;
}

/**
 * Set (non-enumerable, `true`) on an error whose fields `withLimiter` already passed to
 * `limiter.observe`, so a limiter that also inspects thrown errors can skip it.
 */
export const FEEDBACK_OBSERVED = Symbol.for("@sluice/llm/feedback-observed");

export interface WithLimiterOptions {
  /** Estimates input tokens and learns from real usage. Default: a new `TokenEstimator` per wrapped model. */
  readonly estimator?: TokenEstimator;
  /** Pass failures' status/headers/error codes to `limiter.observe`. Default true. */
  readonly observeErrors?: boolean;
  /** Extra options for every `limiter.run` call, e.g. `{ priority: "high" }` for @sluice/throttle. */
  readonly runOptions?: Readonly<Record<string, unknown>>;
  /**
   * How the provider counts tokens against its rate limits. Default: the model's own
   * `rateLimitAccounting`, else "refund-unused". Set it for a model that does not declare it, e.g.
   * a custom adapter for a server that charges like OpenAI.
   */
  readonly rateLimitAccounting?: RateLimitAccounting;
}

/** What one call reserves: also what a "charge-reserved" call reports at the least. */
interface Reservation extends LlmLimiterCost {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Set for "charge-reserved" only; otherwise the limiter derives it (input plus output). */
  readonly tokens?: number;
}

/**
 * Wraps a model so every call is admitted by a limiter: the limiter reserves one request, the
 * estimated input tokens and `maxTokens` of output, then the call runs with `transportRetries: 0`
 * (the limiter owns retries), real usage is reported back through `reportUsage`, and status and
 * headers of responses and failures go to `limiter.observe`.
 *
 * The usage reported follows the model's `rateLimitAccounting`. "refund-unused" (Anthropic, and the
 * default) reports the real input and output, so the unused part of the reservation is given back.
 * "charge-reserved" (OpenAI-compatible servers) also reserves `tokens` = max(maxTokens, estimated
 * input) on the combined bucket, as the server charges, and reports `tokens` never below that (more
 * when the real prompt was larger than estimated), since the server gives nothing back.
 *
 * A failed attempt is settled by its error's `requestOutcome`: "not_sent" (nothing reached the
 * server) reports zero of everything; "refused" (an error status, nothing generated) reports one
 * request and the reserved input with no output; an unknown outcome reports nothing, so the whole
 * reservation counts as spent, except that a stream cut after the server reported its input reports
 * that input (the output stays reserved: the server may have generated more than arrived).
 * Connection failures pass their `transportFailure` to `limiter.observe`.
 *
 * @example
 * const throttle = new Throttle({ concurrency: 8, requestsPerMinute: 50, inputTokensPerMinute: 30_000 });
 * const model = withLimiter(createAnthropicModel(), throttle);
 * const answer = await callLlm("Summarize: …", { model });
 */
export function withLimiter(
  model: ChatModel,
  limiter: LlmLimiter,
  options: WithLimiterOptions = {},
): ChatModel {
  if (typeof limiter?.run !== "function") {
    throw new TypeError(
      "withLimiter needs a limiter with a run(task, options) method, e.g. a @sluice/throttle Throttle.",
    );
  }
  const estimator = options.estimator ?? new TokenEstimator();
  const observeErrors = options.observeErrors ?? true;
  const declaredAccounting = options.rateLimitAccounting ?? model.rateLimitAccounting;
  const accounting = checkedAccounting(declaredAccounting);

  const reservationFor = (request: ChatRequest): Reservation => {
    const inputTokens = estimator.estimate(request);
    const reservation = { requests: 1, inputTokens, outputTokens: request.maxTokens };
    return accounting === "charge-reserved"
      ? { ...reservation, tokens: Math.max(request.maxTokens, inputTokens) }
      : reservation;
  };

  const runOptionsFor = (request: ChatRequest, reservation: Reservation): LlmLimiterRunOptions => ({
    ...options.runOptions,
    cost: reservation,
    ...(request.signal ? { signal: request.signal } : {}),
  });

  const succeeded = (
    context: LlmLimiterTaskContext,
    rawEstimate: number,
    reservation: Reservation,
    response: ChatResponse,
  ) => {
    context.reportUsage?.(limiterUsage(response.usage, reservation));
    if (response.http) limiter.observe?.(feedbackOf(response.http));
    estimator.record(rawEstimate, totalInputTokens(response.usage));
  };

  const settleFailure = (
    context: LlmLimiterTaskContext,
    reservation: Reservation,
    error: unknown,
    usageSoFar: Partial<Usage> | undefined,
  ) => {
    const usage = failedAttemptUsage(error, reservation, usageSoFar);
    if (usage !== undefined) context.reportUsage?.(usage);
  };

  const failed = (error: unknown, signal: AbortSignalLike | undefined): unknown => {
    if (!isLlmError(error)) return signal?.aborted ? abortError(signal, error) : error;
    const alreadyObserved = (error as unknown as Record<symbol, unknown>)[FEEDBACK_OBSERVED] === true;
    if (observeErrors && limiter.observe && !alreadyObserved && hasFeedback(error)) {
      limiter.observe(feedbackOf(error));
      Object.defineProperty(error, FEEDBACK_OBSERVED, { value: true, enumerable: false, configurable: true });
    }
    return error;
  };

  return {
    specificationVersion: "v1",
    provider: model.provider,
    modelId: model.modelId,
    ...(declaredAccounting === undefined ? {} : { rateLimitAccounting: declaredAccounting }),

    async generate(request: ChatRequest): Promise<ChatResponse> {
      validateChatRequest(request);
      const rawEstimate = estimator.rawEstimate(request);
      const reservation = reservationFor(request);
      try {
        return await limiter.run(
          async (context) => {
            const signal = anySignal(request.signal, context.signal);
            try {
              const response = await model.generate(withSignal(request, signal));
              succeeded(context, rawEstimate, reservation, response);
              return response;
            } catch (error) {
              settleFailure(context, reservation, error, undefined);
              throw failed(error, signal);
            }
          },
          runOptionsFor(request, reservation),
        );
      } catch (error) {
        throw failed(error, request.signal);
      }
    },

    stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      return limitedStream(request);
    },
  };

  async function* limitedStream(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    validateChatRequest(request);
    const rawEstimate = estimator.rawEstimate(request);
    const reservation = reservationFor(request);
    const consumer = new AbortController();
    const channel = new EventChannel<ChatStreamEvent>(() => consumer.abort());
    // Text already handed to the consumer cannot be taken back, so once some was forwarded a
    // retry by the limiter must not run the model again: it gets the original failure instead.
    let forwardedText = false;
    let failureAfterText: unknown;
    let finished = false;

    limiter
      .run(
        async (context) => {
          if (failureAfterText !== undefined) throw failureAfterText;
          const signal = anySignal(request.signal, context.signal, consumer.signal);
          let usageSoFar: Partial<Usage> | undefined;
          try {
            let response: ChatResponse | undefined;
            for await (const event of model.stream(withSignal(request, signal))) {
              if (event.type === "done") {
                response = event.response;
                break;
              }
              if (event.type === "text") forwardedText = true;
              if (event.type === "usage") usageSoFar = { ...usageSoFar, ...event.usage };
              channel.push(event);
            }
            if (!response)
              throw new ConnectionError({ message: "The model's stream ended without a final response." });
            succeeded(context, rawEstimate, reservation, response);
            channel.push({ type: "done", response });
          } catch (error) {
            settleFailure(context, reservation, error, usageSoFar);
            const normalized = failed(error, signal);
            if (forwardedText) failureAfterText = normalized;
            throw normalized;
          }
        },
        runOptionsFor(request, reservation),
      )
      .then(
        () => channel.end(),
        (error: unknown) => channel.fail(failed(error, request.signal)),
      );

    try {
      yield* channel;
      finished = true;
    } finally {
      if (!finished) consumer.abort();
    }
  }
}

function withSignal(request: ChatRequest, signal: AbortSignalLike | undefined): ChatRequest {
  const { signal: _ignored, ...rest } = request;
  return { ...rest, ...(signal ? { signal } : {}), transportRetries: 0 };
}

function checkedAccounting(value: unknown): RateLimitAccounting {
  if (value === undefined) return "refund-unused";
  if (value === "refund-unused" || value === "charge-reserved") return value;
  throw new LlmConfigurationError(
    `withLimiter: rateLimitAccounting must be "refund-unused" or "charge-reserved" (got ${JSON.stringify(value)}). ` +
      "Fix the option or the model's rateLimitAccounting property.",
  );
}

/**
 * Usage as rate limits count it: cache writes count as input, cache reads do not. For a
 * "charge-reserved" call, the combined `tokens` stays at the reservation (raised to the real prompt
 * when that was larger than estimated), because the provider does not give the rest back.
 */
function limiterUsage(
  usage: Usage,
  reservation: Reservation,
): { inputTokens: number; outputTokens: number; tokens?: number } {
  const counted = {
    inputTokens: usage.inputTokens + usage.cacheCreationInputTokens,
    outputTokens: usage.outputTokens,
  };
  if (reservation.tokens === undefined) return counted;
  return { ...counted, tokens: Math.max(reservation.tokens, totalInputTokens(usage)) };
}

/**
 * What a failed attempt used, by what became of the request; undefined keeps the whole reservation
 * (an unknown outcome counts as spent).
 */
function failedAttemptUsage(
  error: unknown,
  reservation: Reservation,
  usageSoFar: Partial<Usage> | undefined,
): LimiterUsage | undefined {
  if (!isLlmError(error)) return undefined;
  const combined = (tokens: number | undefined) => (reservation.tokens === undefined ? {} : { tokens });
  switch (error.requestOutcome) {
    case "not_sent":
      return { requests: 0, inputTokens: 0, outputTokens: 0, ...combined(0) };
    case "refused":
      // A charge-reserved server keeps what it charged up front; its headers on the error say the rest.
      return {
        requests: 1,
        inputTokens: reservation.inputTokens,
        outputTokens: 0,
        ...combined(reservation.tokens),
      };
    default: {
      const input = (usageSoFar?.inputTokens ?? 0) + (usageSoFar?.cacheCreationInputTokens ?? 0);
      if (input <= 0) return undefined;
      const output = Math.max(reservation.outputTokens, usageSoFar?.outputTokens ?? 0);
      const prompt = input + (usageSoFar?.cacheReadInputTokens ?? 0);
      return {
        requests: 1,
        inputTokens: input,
        outputTokens: output,
        ...combined(Math.max(reservation.tokens ?? 0, prompt)),
      };
    }
  }
}

function hasFeedback(error: LlmError): boolean {
  return (
    error.transportFailure !== undefined ||
    error.status !== undefined ||
    error.headers !== undefined ||
    error.errorType !== undefined ||
    error.retryAfterMs !== undefined
  );
}

function feedbackOf(source: HttpInfo | LlmError): ProviderFeedback {
  if (!isLlmError(source)) return { status: source.status, headers: source.headers };
  const feedback: {
    status?: number;
    headers?: Readonly<Record<string, string>>;
    errorType?: string;
    errorCode?: string;
    retryAfterMs?: number;
    retryable?: boolean;
    transportFailure?: TransportFailure;
  } = { retryable: source.retryable };
  if (source.transportFailure !== undefined) feedback.transportFailure = source.transportFailure;
  if (source.status !== undefined) feedback.status = source.status;
  if (source.headers !== undefined) feedback.headers = source.headers;
  if (source.errorType !== undefined) feedback.errorType = source.errorType;
  if (source.errorCode !== undefined) feedback.errorCode = source.errorCode;
  if (source.retryAfterMs !== undefined) feedback.retryAfterMs = source.retryAfterMs;
  return feedback;
}
