import { AbortedError, ConnectionError, isLlmError, RequestTimeoutError, ServerError } from "../errors.js";
import { headersToRecord } from "../headers.js";
import { errorFromHttp } from "../http.js";
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent, HttpInfo, Usage } from "../model.js";
import { completeUsage, toStopReason, validateChatRequest } from "../model.js";
import { throwIfAborted } from "../signals.js";
import { readSse } from "../sse.js";
import { type AttemptProgress, classifyTransportFailure } from "../transport-failure.js";

/**
 * A deliberately small Anthropic Messages adapter on plain `fetch`, used to test the conformance kit
 * against the emulator (and shown in the README as the shape of an adapter). It makes exactly one
 * HTTP attempt per call: it has no transport retries, which `transportRetries` allows.
 */
export interface FetchAnthropicOptions {
  readonly baseURL: string;
  readonly apiKey: string;
  readonly model: string;
}

interface Attempt {
  readonly signal: AbortSignal;
  readonly dispose: () => void;
}

export function createFetchAnthropicModel(options: FetchAnthropicOptions): ChatModel {
  const provider = "anthropic";

  function attempt(request: ChatRequest): Attempt {
    const controller = new AbortController();
    const onAbort = () => controller.abort(new AbortedError({ provider }));
    request.signal?.addEventListener("abort", onAbort, { once: true });
    const timeoutMs = request.timeoutMs;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              controller.abort(new RequestTimeoutError({ timeoutMs, provider, requestOutcome: "unknown" })),
            timeoutMs,
          );
    return {
      signal: controller.signal,
      dispose: () => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
      },
    };
  }

  async function send(request: ChatRequest, stream: boolean, signal: AbortSignal): Promise<Response> {
    const response = await fetch(`${options.baseURL}/v1/messages`, {
      method: "POST",
      signal,
      headers: {
        "content-type": "application/json",
        "x-api-key": options.apiKey,
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({
        model: options.model,
        max_tokens: request.maxTokens,
        messages: request.messages,
        ...(request.system === undefined ? {} : { system: request.system }),
        ...(request.stopSequences === undefined ? {} : { stop_sequences: request.stopSequences }),
        ...(stream ? { stream: true } : {}),
      }),
    });
    if (!response.ok) {
      throw errorFromHttp({
        status: response.status,
        headers: response.headers,
        body: await response.text(),
        provider,
      });
    }
    return response;
  }

  function failure(error: unknown, signal: AbortSignal, progress: AttemptProgress): unknown {
    if (isLlmError(error)) return error;
    if (signal.aborted) return isLlmError(signal.reason) ? signal.reason : new AbortedError({ cause: error });
    return new ConnectionError({ provider, cause: error, ...classifyTransportFailure(error, progress) });
  }

  return {
    specificationVersion: "v1",
    provider,
    modelId: options.model,

    async generate(request) {
      validateChatRequest(request);
      throwIfAborted(request.signal);
      const { signal, dispose } = attempt(request);
      const progress = { responseStarted: false };
      try {
        const response = await send(request, false, signal);
        progress.responseStarted = true;
        const http: HttpInfo = { status: response.status, headers: headersToRecord(response.headers) };
        const body = await response.text();
        let message: AnthropicMessage;
        try {
          message = JSON.parse(body) as AnthropicMessage;
        } catch (cause) {
          throw new ServerError({
            status: response.status,
            provider,
            cause,
            // A 200 came back: the server ran the request, whatever was garbled on the way.
            requestOutcome: "unknown",
            message: "The provider sent malformed JSON. Retry.",
          });
        }
        return toResponse(message, http);
      } catch (error) {
        throw failure(error, signal, progress);
      } finally {
        dispose();
      }
    },

    async *stream(request): AsyncGenerator<ChatStreamEvent> {
      validateChatRequest(request);
      throwIfAborted(request.signal);
      const { signal, dispose } = attempt(request);
      const progress = { responseStarted: false, answerStarted: false };
      try {
        const response = await send(request, true, signal);
        progress.responseStarted = true;
        const http: HttpInfo = { status: response.status, headers: headersToRecord(response.headers) };
        let text = "";
        let usage: Partial<Usage> = {};
        let message: AnthropicMessage | undefined;
        if (!response.body)
          throw new ConnectionError({ provider, message: "The stream has no body. Retry." });
        for await (const { event, data } of readSse(response.body)) {
          progress.answerStarted = true;
          if (event === "error") throw errorFromHttp({ body: data, provider });
          const payload = parseEvent(data, response.status);
          if (event === "message_start") {
            message = payload.message as AnthropicMessage;
            usage = { ...usage, ...usageOf(message.usage) };
            yield { type: "usage", usage: { inputTokens: usage.inputTokens ?? 0 } };
          } else if (event === "content_block_delta") {
            const delta = payload.delta as { type?: string; text?: string };
            if (delta.type === "text_delta" && delta.text) {
              text += delta.text;
              yield { type: "text", text: delta.text };
            }
          } else if (event === "message_delta") {
            const delta = payload.delta as { stop_reason?: string };
            usage = { ...usage, ...usageOf(payload.usage as AnthropicUsage) };
            if (message) message = { ...message, stop_reason: delta.stop_reason ?? null };
            yield { type: "usage", usage: { outputTokens: usage.outputTokens ?? 0 } };
          } else if (event === "message_stop") {
            if (!message)
              throw new ConnectionError({
                provider,
                message: "The stream ended before message_start. Retry.",
              });
            const final: ChatResponse = {
              text,
              usage: completeUsage(usage),
              stopReason: toStopReason(message.stop_reason),
              model: message.model,
              ...(message.id ? { requestId: http.headers["request-id"] ?? message.id } : {}),
              http,
            };
            yield { type: "done", response: final };
            return;
          }
        }
        throw new ConnectionError({
          provider,
          message: "The stream was cut before message_stop. Retry.",
          ...classifyTransportFailure(undefined, progress),
        });
      } catch (error) {
        throw failure(error, signal, progress);
      } finally {
        dispose();
      }
    },
  };
}

interface AnthropicUsage {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
}

interface AnthropicMessage {
  readonly id?: string;
  readonly model: string;
  readonly content?: readonly { readonly type: string; readonly text?: string }[];
  readonly stop_reason: string | null;
  readonly usage?: AnthropicUsage;
}

function usageOf(usage: AnthropicUsage | undefined): Partial<Usage> {
  const result: {
    inputTokens?: number;
    outputTokens?: number;
    cacheReadInputTokens?: number;
    cacheCreationInputTokens?: number;
  } = {};
  if (typeof usage?.input_tokens === "number") result.inputTokens = usage.input_tokens;
  if (typeof usage?.output_tokens === "number") result.outputTokens = usage.output_tokens;
  if (typeof usage?.cache_read_input_tokens === "number")
    result.cacheReadInputTokens = usage.cache_read_input_tokens;
  if (typeof usage?.cache_creation_input_tokens === "number")
    result.cacheCreationInputTokens = usage.cache_creation_input_tokens;
  return result;
}

function toResponse(message: AnthropicMessage, http: HttpInfo): ChatResponse {
  const text = (message.content ?? [])
    .map((block) => (block.type === "text" ? (block.text ?? "") : ""))
    .join("");
  const requestId = http.headers["request-id"] ?? message.id;
  return {
    text,
    usage: completeUsage(usageOf(message.usage)),
    stopReason: toStopReason(message.stop_reason),
    model: message.model,
    ...(requestId === undefined ? {} : { requestId }),
    http,
  };
}

function parseEvent(data: string, status: number): Record<string, unknown> {
  try {
    return JSON.parse(data) as Record<string, unknown>;
  } catch (cause) {
    throw new ServerError({
      status,
      cause,
      requestOutcome: "unknown",
      message: "The provider sent a malformed stream event. Retry.",
    });
  }
}
