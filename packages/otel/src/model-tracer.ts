import {
  type Attributes,
  type Context,
  context as otelContext,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  type LlmLimiter,
  TokenEstimator,
  totalInputTokens,
  type WithLimiterOptions,
  withLimiter,
} from "@sluice/llm";
import { CHAT_OPERATION, GEN_AI, GENERAL, SLUICE } from "./attributes.js";
import { errorType, recordFailure } from "./errors.js";
import { current } from "./frames.js";
import { defaultTracer } from "./tracer.js";

export interface TraceModelOptions {
  /** Default: the global tracer provider's tracer for "@sluice/otel". */
  readonly tracer?: Tracer;
  /**
   * Admit calls through this limiter (a @sluice/throttle `Throttle`) inside the call's span, so the
   * span covers the wait for admission and every retry, as the GenAI conventions ask. Pass it here
   * rather than to `callLlm`, which would put the wait outside the span.
   */
  readonly limiter?: LlmLimiter;
  /** Options for `withLimiter` when `limiter` is set. */
  readonly limiterOptions?: Omit<WithLimiterOptions, "estimator">;
  /**
   * The provider's endpoint, for `server.address` and `server.port`. Default: the public API of
   * known providers (api.anthropic.com, api.openai.com on 443); none for others.
   */
  readonly baseURL?: string;
}

const KNOWN_SERVERS: Readonly<Record<string, string>> = {
  anthropic: "https://api.anthropic.com",
  openai: "https://api.openai.com",
};

/**
 * Wraps a Sluice model so every call is an OpenTelemetry CLIENT span named `chat <model>` with the
 * GenAI attributes (provider, request and response model, max tokens, finish reasons, usage with
 * cache reads and writes, response id, `error.type`, server address and port) and Sluice's own
 * (`sluice.throttle.wait_ms`, `sluice.attempts`, `sluice.retry.reason`, one `retry` event per
 * retried attempt). Inside a node traced by `traceFlow`, the span is a child of the node's span.
 *
 * @example
 * const model = traceModel(createAnthropicModel(), { limiter: throttle });
 * const summary = await callLlm(`Summarize: ${text}`, { model });
 */
export function traceModel(model: ChatModel, options: TraceModelOptions = {}): ChatModel {
  const server = serverAttributes(options.baseURL ?? KNOWN_SERVERS[model.provider]);
  // One estimator for every call, so what the limiter learns about token counts is kept.
  const estimator = new TokenEstimator();
  const tracer = () => options.tracer ?? defaultTracer();

  const open = (request: ChatRequest, stream: boolean): { span: Span; context: Context } => {
    const { context: parent, item } = current();
    const span = tracer().startSpan(
      `${CHAT_OPERATION} ${model.modelId}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [GEN_AI.OPERATION_NAME]: CHAT_OPERATION,
          [GEN_AI.PROVIDER_NAME]: model.provider,
          [GEN_AI.REQUEST_MODEL]: model.modelId,
          [GEN_AI.REQUEST_MAX_TOKENS]: request.maxTokens,
          ...(request.stopSequences === undefined
            ? {}
            : { [GEN_AI.REQUEST_STOP_SEQUENCES]: [...request.stopSequences] }),
          ...server,
          ...(item === undefined ? {} : { [SLUICE.BATCH_ITEM_INDEX]: item }),
          ...(stream ? { [SLUICE.STREAM]: true } : {}),
        },
      },
      parent,
    );
    return { span, context: trace.setSpan(parent, span) };
  };

  /** The model as the limiter sees it: each call of it is one attempt, recorded on `span`. */
  const attempts = (span: Span): { model: ChatModel; finish(): void } => {
    const openedAt = performance.now();
    let count = 0;
    let lastReason: string | undefined;
    const begin = () => {
      count++;
      if (count === 1) {
        if (options.limiter)
          span.setAttribute(SLUICE.THROTTLE_WAIT_MS, Math.round(performance.now() - openedAt));
        return;
      }
      span.addEvent("retry", {
        [SLUICE.ATTEMPT]: count,
        ...(lastReason === undefined ? {} : { [SLUICE.RETRY_REASON]: lastReason }),
      });
    };
    const failed = (error: unknown) => {
      lastReason = errorType(error);
    };
    const probe: ChatModel = {
      specificationVersion: "v1",
      provider: model.provider,
      modelId: model.modelId,
      ...(model.rateLimitAccounting === undefined ? {} : { rateLimitAccounting: model.rateLimitAccounting }),
      async generate(request) {
        begin();
        try {
          return await model.generate(request);
        } catch (error) {
          failed(error);
          throw error;
        }
      },
      async *stream(request) {
        begin();
        try {
          yield* model.stream(request);
        } catch (error) {
          failed(error);
          throw error;
        }
      },
    };
    const limited = options.limiter
      ? withLimiter(probe, options.limiter, { ...options.limiterOptions, estimator })
      : probe;
    return {
      model: limited,
      finish: () => {
        span.setAttribute(SLUICE.ATTEMPTS, count);
        if (lastReason !== undefined && count > 1) span.setAttribute(SLUICE.RETRY_REASON, lastReason);
      },
    };
  };

  return {
    specificationVersion: "v1",
    provider: model.provider,
    modelId: model.modelId,
    ...(model.rateLimitAccounting === undefined ? {} : { rateLimitAccounting: model.rateLimitAccounting }),

    async generate(request: ChatRequest): Promise<ChatResponse> {
      const { span, context } = open(request, false);
      const call = attempts(span);
      try {
        // Active inside, so spans of an instrumented HTTP client nest under the call's span.
        const response = await otelContext.with(context, () => call.model.generate(request));
        recordResponse(span, response);
        return response;
      } catch (error) {
        recordFailure(span, error);
        throw error;
      } finally {
        call.finish();
        span.end();
      }
    },

    async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
      const { span } = open(request, true);
      const call = attempts(span);
      try {
        for await (const event of call.model.stream(request)) {
          if (event.type === "done") recordResponse(span, event.response);
          yield event;
        }
      } catch (error) {
        recordFailure(span, error);
        throw error;
      } finally {
        call.finish();
        span.end();
      }
    },
  };
}

function recordResponse(span: Span, response: ChatResponse): void {
  const { usage } = response;
  const attributes: Attributes = {
    [GEN_AI.RESPONSE_MODEL]: response.model,
    [GEN_AI.RESPONSE_FINISH_REASONS]: [response.stopReason],
    // The conventions count cached prompt tokens in input_tokens, and report them again apart.
    [GEN_AI.USAGE_INPUT_TOKENS]: totalInputTokens(usage),
    [GEN_AI.USAGE_OUTPUT_TOKENS]: usage.outputTokens,
    [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: usage.cacheReadInputTokens,
    [GEN_AI.USAGE_CACHE_WRITE_INPUT_TOKENS]: usage.cacheCreationInputTokens,
  };
  if (response.requestId !== undefined) attributes[GEN_AI.RESPONSE_ID] = response.requestId;
  span.setAttributes(attributes);
}

function serverAttributes(baseURL: string | undefined): Attributes {
  if (baseURL === undefined) return {};
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return {};
  }
  const port = url.port !== "" ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
  return { [GENERAL.SERVER_ADDRESS]: url.hostname, [GENERAL.SERVER_PORT]: port };
}
