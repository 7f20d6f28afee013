import type Anthropic from "@anthropic-ai/sdk";
import {
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  ConnectionError,
  LlmConfigurationError,
  throwIfAborted,
  validateChatRequest,
} from "@sluice/llm";
import { type ClientSettings, resolveClient } from "./client.js";
import { PROVIDER, toLlmError } from "./errors.js";
import { type HttpAttempt, HttpCapture } from "./http-capture.js";
import { needsStreaming, toMessageParams, toStreamingParams } from "./request.js";
import { toChatResponse } from "./response.js";
import { StreamAssembler } from "./stream.js";

/** The model sent when neither `model` nor `SLUICE_MODEL` names one: Claude Sonnet 5.5, a balanced default. */
export const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-5-5";

export interface AnthropicModelOptions extends ClientSettings {
  /** The model id to send, e.g. "claude-haiku-5-5". Default `DEFAULT_ANTHROPIC_MODEL`. */
  readonly model?: string | undefined;
  /**
   * Default per-attempt time limit in ms for requests that set no `timeoutMs`, from sending the
   * request to the last byte of the answer (stream included). Default: none beyond the SDK's own
   * 10 minutes to the response headers.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Sees the status and lower-cased headers of every HTTP response, the SDK's own retries included,
   * e.g. to feed a limiter that is not wired through `withLimiter`: `(http) => throttle.observe(http)`.
   */
  readonly onHttpResponse?: ((attempt: HttpAttempt) => void) | undefined;
}

/** The SDK's per-request options (its `RequestOptions` type is not exported by name). */
type SdkRequestOptions = NonNullable<Parameters<Anthropic["messages"]["create"]>[1]>;

/** A `ChatModel` on the Anthropic Messages API. */
export interface AnthropicChatModel extends ChatModel {
  readonly provider: "anthropic";
  /** Anthropic reserves `max_tokens` of output at admission and gives back what was not generated. */
  readonly rateLimitAccounting: "refund-unused";
}

/**
 * A @sluice/llm `ChatModel` that calls Anthropic's Messages API through the official SDK.
 *
 * Without a limiter it behaves like a careful SDK user: the SDK retries connection errors, 408, 409,
 * 429 and 5xx (529 included) with its backoff, honouring `retry-after`. Behind `withLimiter`, each
 * call runs with `transportRetries: 0` and the limiter owns retries. Responses carry
 * `http: { status, headers }` of the final attempt so limiters can learn the account's limits.
 *
 * @example
 * import { callLlm } from "@sluice/llm";
 * import { createAnthropicModel } from "@sluice/llm-anthropic";
 *
 * const model = createAnthropicModel({ model: "claude-haiku-5-5" }); // key from ANTHROPIC_API_KEY
 * const summary = await callLlm("Summarize: …", { model });
 */
export function createAnthropicModel(options: AnthropicModelOptions = {}): AnthropicChatModel {
  const where = "createAnthropicModel";
  if (typeof options !== "object" || options === null) {
    throw new LlmConfigurationError(`${where}: options must be an object.`);
  }
  const modelId = options.model ?? DEFAULT_ANTHROPIC_MODEL;
  if (typeof modelId !== "string" || modelId.trim() === "") {
    throw new LlmConfigurationError(
      `${where}: \`model\` must be a non-empty model id such as "${DEFAULT_ANTHROPIC_MODEL}".`,
    );
  }
  const defaultTimeoutMs = options.timeoutMs;
  if (defaultTimeoutMs !== undefined && !(typeof defaultTimeoutMs === "number" && defaultTimeoutMs > 0)) {
    throw new LlmConfigurationError(
      `${where}: \`timeoutMs\` must be a positive number of ms (got ${String(defaultTimeoutMs)}).`,
    );
  }
  const { client, secret } = resolveClient(options, where);
  const defaultRetries = options.maxRetries;
  const onHttpResponse = options.onHttpResponse;

  const startCall = (request: ChatRequest) =>
    new HttpCapture({ timeoutMs: request.timeoutMs ?? defaultTimeoutMs, onHttpResponse });

  const requestOptions = (request: ChatRequest, capture: HttpCapture): SdkRequestOptions => {
    const maxRetries = request.transportRetries ?? defaultRetries;
    return {
      middleware: [capture.middleware],
      ...(maxRetries === undefined ? {} : { maxRetries }),
      ...(request.signal ? { signal: request.signal } : {}),
    };
  };

  const failure = (error: unknown, request: ChatRequest, capture: HttpCapture, answerStarted = false) =>
    toLlmError(error, {
      signal: request.signal,
      timedOut: capture.timedOut,
      timeoutMs: capture.timeoutMs,
      secret,
      progress: { responseStarted: capture.responseStarted, answerStarted },
      baseURL: client.baseURL,
    });

  async function* streamChat(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    throwIfAborted(request.signal);
    const capture = startCall(request);
    let sdkStream: { controller: AbortController } | undefined;
    let completed = false;
    let answerStarted = false;
    try {
      const { data, response } = await client.messages
        .create(toStreamingParams(request, modelId), requestOptions(request, capture))
        .withResponse();
      sdkStream = data;
      const assembler = new StreamAssembler();
      for await (const event of data) {
        answerStarted = true;
        for (const out of assembler.accept(event)) yield out;
      }
      // The SDK ends the iteration quietly when the request is aborted (our signal or the attempt's
      // timer); a cut connection can end it early too. Either way there is no complete answer.
      if (!assembler.finished) {
        throw new Error("The response stream ended before message_stop.");
      }
      completed = true;
      const requestId = response.headers.get("request-id") ?? undefined;
      yield { type: "done", response: assembler.response({ http: capture.http, requestId }) };
    } catch (error) {
      throw failure(error, request, capture, answerStarted);
    } finally {
      capture.dispose();
      // Stopped early by the consumer (break) or failed: release the connection.
      if (!completed) sdkStream?.controller.abort();
    }
  }

  return {
    specificationVersion: "v1",
    provider: PROVIDER,
    modelId,
    rateLimitAccounting: "refund-unused",

    async generate(request: ChatRequest): Promise<ChatResponse> {
      validateChatRequest(request);
      throwIfAborted(request.signal);
      if (needsStreaming(request.maxTokens)) {
        // streamChat ends with exactly one "done" event or throws.
        for await (const event of streamChat(request)) if (event.type === "done") return event.response;
        throw new ConnectionError({
          provider: PROVIDER,
          message: "The response stream ended without a final response; retry the call.",
        });
      }
      const capture = startCall(request);
      try {
        const { data, response } = await client.messages
          .create(toMessageParams(request, modelId), requestOptions(request, capture))
          .withResponse();
        const requestId = response.headers.get("request-id") ?? undefined;
        return toChatResponse(data, { http: capture.http, requestId });
      } catch (error) {
        throw failure(error, request, capture);
      } finally {
        capture.dispose();
      }
    },

    stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      validateChatRequest(request);
      return streamChat(request);
    },
  };
}
