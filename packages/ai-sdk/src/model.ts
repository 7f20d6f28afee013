import type {
  LanguageModelV3,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from "@ai-sdk/provider";
import {
  anySignal,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  LlmConfigurationError,
  type RateLimitAccounting,
  throwIfAborted,
  validateChatRequest,
} from "@sluice/llm";
import { type FailureContext, toLlmError } from "./errors.js";
import { finalResponse, responseOf } from "./response.js";
import {
  type AiSdkLanguageModel,
  isAiSdkLanguageModel,
  providerName,
  toCallOptions,
  toStopReasonFrom,
  toUsage,
} from "./spec.js";

export interface FromAiSdkOptions {
  /** The provider name Sluice reports (spans, errors). Default: the AI SDK's, before its first dot. */
  readonly provider?: string;
  /**
   * How the provider counts tokens against its rate limits (see @sluice/llm's `RateLimitAccounting`).
   * Default: "charge-reserved" for OpenAI, "refund-unused" otherwise.
   */
  readonly rateLimitAccounting?: RateLimitAccounting;
}

/**
 * Any AI SDK language model (specification V2 or V3: `ai` 5 or 6 and their provider packages) as a
 * Sluice `ChatModel`, usable with `callLlm`, `withLimiter`, @sluice/throttle and Sluice flows.
 *
 * Each call is one `doGenerate`/`doStream`, i.e. one HTTP attempt: the AI SDK's retries live in
 * `generateText`, which is not involved, so a limiter around this model owns every retry. Usage
 * (cache reads and writes included), stop reasons, response headers and failures are mapped to
 * Sluice's types; an `APICallError` becomes the typed error its status and body call for, with
 * `retryable`, `retryAfterMs` and headers a throttle learns from.
 *
 * @example
 * import { createAnthropic } from "@ai-sdk/anthropic";
 * const model = fromAiSdk(createAnthropic()("claude-sonnet-4-5"));
 * const summary = await callLlm(`Summarize: ${text}`, { model, limiter: throttle });
 */
export function fromAiSdk(model: AiSdkLanguageModel, options: FromAiSdkOptions = {}): ChatModel {
  if (!isAiSdkLanguageModel(model)) {
    throw new LlmConfigurationError(
      "fromAiSdk(model) needs an AI SDK language model of specification v2 or v3, e.g. " +
        "createAnthropic()('claude-sonnet-4-5') from @ai-sdk/anthropic. A model id string (AI Gateway) is not supported: " +
        "create the model with its provider package.",
    );
  }
  const provider = options.provider ?? providerName(model);
  const accounting =
    options.rateLimitAccounting ?? (provider === "openai" ? "charge-reserved" : "refund-unused");
  // Both specifications take the same call options; V2 is called through the V3 shape it shares.
  const target = model as LanguageModelV3;

  return {
    specificationVersion: "v1",
    provider,
    modelId: model.modelId,
    rateLimitAccounting: accounting,

    async generate(request: ChatRequest): Promise<ChatResponse> {
      const call = startCall(request, provider);
      try {
        const result = await target.doGenerate(toCallOptions(request, call.signal));
        return responseOf(result, model.modelId);
      } catch (error) {
        throw toLlmError(error, call.failure);
      } finally {
        call.end();
      }
    },

    stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      return streamCall(target, request, provider);
    },
  };
}

export interface Call {
  readonly signal: AbortSignal | undefined;
  readonly failure: FailureContext;
  end(): void;
}

/** Validates the request and combines the caller's signal with the per-call timeout. */
export function startCall(request: ChatRequest, provider: string): Call {
  validateChatRequest(request);
  throwIfAborted(request.signal);
  const timeout = request.timeoutMs === undefined ? undefined : new AbortController();
  const timer = timeout === undefined ? undefined : setTimeout(() => timeout.abort(), request.timeoutMs);
  return {
    signal: anySignal(request.signal, timeout?.signal),
    failure: {
      provider,
      signal: request.signal,
      timeoutSignal: timeout?.signal,
      timeoutMs: request.timeoutMs,
    },
    end: () => clearTimeout(timer),
  };
}

async function* streamCall(
  model: LanguageModelV3,
  request: ChatRequest,
  provider: string,
): AsyncGenerator<ChatStreamEvent> {
  const call = startCall(request, provider);
  let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
  // Aborting must end the stream at once, even while the reader waits for the next chunk.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error("aborted"));
    if (call.signal?.aborted) onAbort();
    else call.signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    const result: LanguageModelV3StreamResult = await Promise.race([
      model.doStream(toCallOptions(request, call.signal)),
      aborted,
    ]);
    reader = result.stream.getReader();
    let text = "";
    let modelId = model.modelId;
    for (;;) {
      const next = await Promise.race([reader.read(), aborted]);
      if (next.done) break;
      const part = next.value;
      switch (part.type) {
        case "text-delta":
          if (part.delta !== "") {
            text += part.delta;
            yield { type: "text", text: part.delta };
          }
          break;
        case "response-metadata":
          if (part.modelId !== undefined) modelId = part.modelId;
          break;
        case "error":
          throw part.error;
        case "finish": {
          const usage = toUsage(part.usage);
          yield { type: "usage", usage };
          yield {
            type: "done",
            response: finalResponse({
              text,
              usage,
              stopReason: toStopReasonFrom(part.finishReason),
              model: modelId,
              headers: result.response?.headers,
            }),
          };
          return;
        }
        default:
          break;
      }
    }
    throw new Error("The AI SDK stream ended without a finish part.");
  } catch (error) {
    throw toLlmError(error, call.failure);
  } finally {
    call.end();
    if (onAbort !== undefined) call.signal?.removeEventListener("abort", onAbort);
    reader?.cancel().catch(() => {});
  }
}
