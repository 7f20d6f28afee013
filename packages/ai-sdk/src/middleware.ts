import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from "@ai-sdk/provider";
import {
  anySignal,
  type ChatModel,
  type ChatRequest,
  type ChatStreamEvent,
  isLlmError,
  LlmConfigurationError,
  type LlmLimiter,
  type RateLimitAccounting,
  TokenEstimator,
  withLimiter,
} from "@sluice/llm";
import { toLlmError } from "./errors.js";
import { finalResponse, responseOf } from "./response.js";
import { promptText, providerName, toStopReasonFrom, toUsage } from "./spec.js";

export interface SluiceMiddlewareOptions {
  /**
   * Output tokens to reserve for a call that sets no `maxOutputTokens`. Default 4096. The
   * reservation is corrected to the real usage when the call ends, so a generous value only delays
   * admissions; a too small one lets calls through that the provider then refuses.
   */
  readonly defaultMaxOutputTokens?: number;
  /** Estimates input tokens from the prompt text and learns from real usage. Default: one per middleware. */
  readonly estimator?: TokenEstimator;
  /** Extra options for every `throttle.run`, e.g. `{ priority: "high" }` or `{ retry: { maxAttempts: 4 } }`. */
  readonly runOptions?: Readonly<Record<string, unknown>>;
  /** How the provider counts tokens (see @sluice/llm). Default: "charge-reserved" for OpenAI, else "refund-unused". */
  readonly rateLimitAccounting?: RateLimitAccounting;
}

const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/**
 * An AI SDK language-model middleware that admits every `generateText`/`streamText` call through a
 * Sluice limiter (a @sluice/throttle `Throttle`): it reserves one request, the estimated input
 * tokens and `maxOutputTokens` before the HTTP call, settles the reservation on the real usage
 * (a stream keeps its concurrency slot until it ends), and feeds status and rate-limit headers
 * back, so a batch of calls stays under RPM, ITPM and OTPM instead of running into 429s.
 *
 * Retries: a Throttle created with `retry` retries admitted calls itself (honouring retry-after);
 * then pass `maxRetries: 0` to `generateText`, or both would retry. Failures reach the caller as
 * the AI SDK's own errors (`APICallError`), so existing error handling keeps working.
 *
 * @example
 * const throttle = new Throttle({ concurrency: 8, requestsPerMinute: 50, inputTokensPerMinute: 30_000, retry: true });
 * const model = wrapLanguageModel({ model: anthropic("claude-sonnet-4-5"), middleware: sluiceMiddleware(throttle) });
 * const { text } = await generateText({ model, prompt, maxOutputTokens: 300, maxRetries: 0 });
 */
export function sluiceMiddleware(
  throttle: LlmLimiter,
  options: SluiceMiddlewareOptions = {},
): LanguageModelV3Middleware {
  if (typeof throttle?.run !== "function") {
    throw new LlmConfigurationError(
      "sluiceMiddleware(throttle) needs a limiter with run(task, options), e.g. new Throttle({ … }) from @sluice/throttle.",
    );
  }
  const defaultMaxOutputTokens = options.defaultMaxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  if (!(Number.isInteger(defaultMaxOutputTokens) && defaultMaxOutputTokens >= 1)) {
    throw new LlmConfigurationError(
      `sluiceMiddleware: defaultMaxOutputTokens must be a whole number of at least 1 (got ${String(defaultMaxOutputTokens)}).`,
    );
  }
  const estimator = options.estimator ?? new TokenEstimator();

  // The call goes through `withLimiter` (one home for reservation, usage settlement and feedback)
  // as a one-off ChatModel whose generate/stream run the AI SDK model with the limiter's signal.
  const limited = (model: LanguageModelV3, call: ChatModel): ChatModel => {
    const provider = providerName(model);
    const accounting =
      options.rateLimitAccounting ?? (provider === "openai" ? "charge-reserved" : "refund-unused");
    return withLimiter(call, throttle, {
      estimator,
      rateLimitAccounting: accounting,
      ...(options.runOptions === undefined ? {} : { runOptions: options.runOptions }),
    });
  };

  return {
    specificationVersion: "v3",

    async wrapGenerate({ model, params }) {
      const provider = providerName(model);
      let result: LanguageModelV3GenerateResult | undefined;
      const call = oneOffModel(model, {
        async generate(request) {
          try {
            result = await model.doGenerate(withSignal(params, request.signal));
          } catch (error) {
            throw toLlmError(error, { provider, signal: params.abortSignal });
          }
          return responseOf(result, model.modelId);
        },
      });
      try {
        await limited(model, call).generate(estimationRequest(params, defaultMaxOutputTokens));
      } catch (error) {
        throw originalError(error);
      }
      return result as LanguageModelV3GenerateResult;
    },

    async wrapStream({ model, params }) {
      return limitedStream(model, params, (call) => limited(model, call), defaultMaxOutputTokens);
    },
  };
}

/**
 * Runs `doStream` inside the limiter's task and hands its parts to the caller as they come. The task
 * (and its concurrency slot) lasts until the stream ends; the usage of the `finish` part settles the
 * reservation. Once a part has reached the caller, the call is never sent again.
 */
async function limitedStream(
  model: LanguageModelV3,
  params: LanguageModelV3CallOptions,
  limit: (call: ChatModel) => ChatModel,
  defaultMaxOutputTokens: number,
): Promise<LanguageModelV3StreamResult> {
  const provider = providerName(model);
  const cancelled = new AbortController();
  let output!: ReadableStreamDefaultController<LanguageModelV3StreamPart>;
  const stream = new ReadableStream<LanguageModelV3StreamPart>({
    start: (controller) => {
      output = controller;
    },
    cancel: () => cancelled.abort(),
  });
  let opened: (result: LanguageModelV3StreamResult) => void = () => {};
  const started = new Promise<LanguageModelV3StreamResult>((resolve) => {
    opened = resolve;
  });
  let forwarded = false;
  let failureAfterForwarding: unknown;

  const call = oneOffModel(model, {
    async *stream(request): AsyncGenerator<ChatStreamEvent> {
      if (failureAfterForwarding !== undefined) throw failureAfterForwarding;
      const signal = anySignal(request.signal, cancelled.signal);
      let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
      try {
        const result = await model.doStream(withSignal(params, signal));
        opened(result);
        reader = result.stream.getReader();
        let text = "";
        for (;;) {
          const next = await reader.read();
          if (next.done) break;
          const part = next.value;
          forwarded = true;
          if (!cancelled.signal.aborted) output.enqueue(part);
          if (part.type === "text-delta") text += part.delta;
          // The caller got the error part; the limiter still learns what it was (overloaded, …).
          if (part.type === "error") throw part.error;
          if (part.type === "finish") {
            yield {
              type: "done",
              response: finalResponse({
                text,
                usage: toUsage(part.usage),
                stopReason: toStopReasonFrom(part.finishReason),
                model: model.modelId,
                headers: result.response?.headers,
              }),
            };
            return;
          }
        }
      } catch (error) {
        const mapped = toLlmError(error, { provider, signal: params.abortSignal });
        if (forwarded) failureAfterForwarding = mapped;
        throw mapped;
      } finally {
        reader?.cancel().catch(() => {});
      }
    },
  });

  const finished = (async () => {
    for await (const _event of limit(call).stream(estimationRequest(params, defaultMaxOutputTokens))) {
      // The parts went to the caller as they came; these events only drive the limiter.
    }
  })();
  finished.then(
    () => settleOutput(() => output.close()),
    (error: unknown) => {
      if (!forwarded) return;
      // A failure after parts were delivered was delivered as an error part, or is a cut connection.
      if (isLlmError(error) && error.code === "aborted")
        settleOutput(() => output.error(originalError(error)));
      else settleOutput(() => output.close());
    },
  );
  const result = await Promise.race([started, finished.then(() => started)]).catch((error: unknown) => {
    throw originalError(error);
  });
  return { ...result, stream };
}

/** Ends the caller's stream; a stream the caller already cancelled cannot be closed, and need not be. */
function settleOutput(end: () => void): void {
  try {
    end();
  } catch {
    // Cancelled by the caller: nothing is waiting for its end.
  }
}

/** A ChatModel for exactly one AI SDK call; only the method the middleware uses is real. */
function oneOffModel(
  model: LanguageModelV3,
  methods: Partial<Pick<ChatModel, "generate" | "stream">>,
): ChatModel {
  const unused = () => {
    throw new Error("sluiceMiddleware: this call was not made through this method.");
  };
  return {
    specificationVersion: "v1",
    provider: providerName(model),
    modelId: model.modelId,
    generate: methods.generate ?? unused,
    stream: methods.stream ?? unused,
  };
}

/** What the limiter estimates the call from: its prompt text and the output it may produce. */
function estimationRequest(params: LanguageModelV3CallOptions, defaultMaxOutputTokens: number): ChatRequest {
  const { system, messages } = promptText(params.prompt);
  const content = messages.map((message) => message.content).join("\n");
  return {
    ...(system === "" ? {} : { system }),
    messages: [{ role: "user", content }],
    maxTokens: params.maxOutputTokens ?? defaultMaxOutputTokens,
    ...(params.abortSignal === undefined ? {} : { signal: params.abortSignal }),
  };
}

function withSignal(
  params: LanguageModelV3CallOptions,
  signal: AbortSignal | undefined,
): LanguageModelV3CallOptions {
  return signal === undefined ? params : { ...params, abortSignal: signal };
}

/**
 * The error the AI SDK caller expects: the AI SDK's own (`APICallError`, an `AbortError`) that a
 * Sluice error wraps, so `generateText`'s retries and the caller's checks see what they know. The
 * limiter's own refusals (closed, quota, deadline) pass through as they are.
 */
function originalError(error: unknown): unknown {
  if (!isLlmError(error)) return error;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== null ? cause : error;
}
