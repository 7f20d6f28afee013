import {
  type ChatModel,
  type ChatRequest,
  type ChatStreamEvent,
  ConnectionError,
  classifyTransportFailure,
  type LlmError,
  readSse,
  type SseEvent,
  throwIfAborted,
  validateChatRequest,
  withRetries,
} from "@sluice/llm";
import { type OpenAICompatibleModelOptions, type ResolvedSettings, resolveSettings } from "./config.js";
import { failureToLlmError } from "./errors.js";
import type { MaxTokensField } from "./presets.js";
import { type ChatCompletionBody, toChatCompletionBody } from "./request.js";
import {
  type ChatCompletion,
  type OpenAIChatResponse,
  type ResponseExtras,
  toChatResponse,
} from "./response.js";
import { type ChatCompletionChunk, ChunkAssembler, StreamErrorEvent } from "./stream.js";
import { type Attempt, type OpenedResponse, Transport } from "./transport.js";
import { UsageEstimates } from "./usage.js";

/** A `ChatModel` on an OpenAI-compatible chat-completions API. */
export interface OpenAICompatibleChatModel extends ChatModel {
  /** The API root requests go to, e.g. "http://localhost:11434/v1". */
  readonly baseURL: string;
  /** The body field that carries `maxTokens`. */
  readonly maxTokensField: MaxTokensField;
  /**
   * OpenAI charges its tokens-per-minute bucket max(max_tokens, input estimate) up front and keeps
   * it, failed requests included; `withLimiter` keeps the same books. Local servers have no token
   * limits, so it changes nothing for them.
   */
  readonly rateLimitAccounting: "charge-reserved";
  generate(request: ChatRequest): Promise<OpenAIChatResponse>;
}

/**
 * A @sluice/llm `ChatModel` that speaks the OpenAI chat-completions protocol over plain fetch, to
 * OpenAI itself or to a compatible server (Ollama, vLLM, llama.cpp's server, LM Studio, gateways).
 *
 * Without a limiter, retryable failures (429 rate limits, 503/529, 5xx, timeouts, connection
 * errors) are retried `maxRetries` times, after `retry-after` (or the `x-ratelimit-*` reset) when
 * the server gives one, else with backoff. Behind `withLimiter`, each call runs with
 * `transportRetries: 0` and the limiter owns retries. Responses carry `http: { status, headers }`
 * of the final attempt, so limiters learn the limits from `x-ratelimit-*`.
 *
 * @example
 * import { callLlm } from "@sluice/llm";
 * import { createOpenAICompatibleModel } from "@sluice/llm-openai";
 *
 * const model = createOpenAICompatibleModel({ preset: "ollama", model: "llama3.2" });
 * const summary = await callLlm("Summarize: …", { model });
 */
export function createOpenAICompatibleModel(
  options: OpenAICompatibleModelOptions = {},
): OpenAICompatibleChatModel {
  const settings = resolveSettings(options, "createOpenAICompatibleModel");
  const transport = new Transport(settings);
  const estimates = new UsageEstimates();

  const sendOptions = (request: ChatRequest, attemptNumber: number, stream: boolean) => ({
    signal: request.signal,
    timeoutMs: request.timeoutMs ?? settings.timeoutMs,
    attemptNumber,
    stream,
    tokensNeeded: estimates.tokensCharged(request),
  });
  const retryOptions = (request: ChatRequest) => ({
    maxRetries: request.transportRetries ?? settings.maxRetries,
    signal: request.signal,
  });
  const extras = (request: ChatRequest, opened: OpenedResponse): ResponseExtras => ({
    http: opened.http,
    requestId: opened.requestId,
    requestedModel: settings.model,
    estimateUsage: (text) => estimates.estimate(request, text),
  });
  const learn = (request: ChatRequest, response: OpenAIChatResponse) => {
    if (response.usageEstimated !== true) estimates.observe(request, response.usage);
  };

  async function generate(request: ChatRequest): Promise<OpenAIChatResponse> {
    validateChatRequest(request);
    throwIfAborted(request.signal);
    const body = bodyFor(request, settings, false);
    return withRetries(async (attemptNumber) => {
      const opened = await transport.send(body, sendOptions(request, attemptNumber, false));
      try {
        const response = completionResponse(await opened.response.json(), extras(request, opened), settings);
        learn(request, response);
        return response;
      } catch (error) {
        throw transport.toError(error, opened.attempt, request.signal, { responseStarted: true });
      } finally {
        opened.attempt.dispose();
      }
    }, retryOptions(request));
  }

  async function* streamChat(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    throwIfAborted(request.signal);
    const body = bodyFor(request, settings, true);
    // Only opening the stream is retried: once text has been handed out it cannot be taken back.
    const opened = await withRetries(
      (attemptNumber) => transport.send(body, sendOptions(request, attemptNumber, true)),
      retryOptions(request),
    );
    const { attempt } = opened;
    try {
      const contentType = opened.http.headers["content-type"] ?? "";
      if (contentType.includes("json") && !contentType.includes("event-stream")) {
        // A server that cannot stream answered in one piece.
        const response = completionResponse(await opened.response.json(), extras(request, opened), settings);
        learn(request, response);
        if (response.text !== "") yield { type: "text", text: response.text };
        yield { type: "usage", usage: response.usage };
        yield { type: "done", response };
        return;
      }
      const assembler = new ChunkAssembler();
      const ended = yield* readChunks(opened, assembler, (error) =>
        streamError(error, attempt, request, settings, transport, assembler),
      );
      if (!ended && !assembler.finished) {
        throw new ConnectionError({
          provider: settings.provider,
          ...classifyTransportFailure(undefined, { responseStarted: true, answerStarted: assembler.started }),
          message:
            `The response stream from ${settings.provider} ended before the answer was complete ` +
            `(no finish_reason after ${assembler.text.length} characters). The connection was probably cut; retry the call.`,
        });
      }
      const response = assembler.response(extras(request, opened));
      learn(request, response);
      // No usage chunk arrived: report the estimate, so the stream still ends with usage known.
      if (response.usageEstimated === true) yield { type: "usage", usage: response.usage };
      yield { type: "done", response };
    } catch (error) {
      throw streamError(error, attempt, request, settings, transport, undefined);
    } finally {
      // Also reached when the consumer stops early (break): the request is cancelled.
      attempt.dispose();
    }
  }

  return {
    specificationVersion: "v1",
    provider: settings.provider,
    modelId: settings.model,
    baseURL: settings.baseURL,
    maxTokensField: settings.maxTokensField,
    rateLimitAccounting: "charge-reserved",
    generate,
    stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      validateChatRequest(request);
      return streamChat(request);
    },
  };
}

function bodyFor(request: ChatRequest, settings: ResolvedSettings, stream: boolean): ChatCompletionBody {
  return toChatCompletionBody(request, {
    model: settings.model,
    maxTokensField: settings.maxTokensField,
    stream,
  });
}

/** The response for a JSON body; a body that is an error object (some proxies answer errors with 200) throws it. */
function completionResponse(
  json: unknown,
  extras: ResponseExtras,
  settings: ResolvedSettings,
): OpenAIChatResponse {
  const body = json as ChatCompletion & { error?: unknown };
  if (typeof body === "object" && body !== null && body.error && !Array.isArray(body.choices)) {
    throw failureToLlmError({ body, provider: settings.provider, secret: settings.apiKey });
  }
  return toChatResponse(body, extras);
}

/**
 * Feeds the stream's events to the assembler and yields what it emits. Returns true when the server
 * ended the stream with `[DONE]`. A connection cut after `finish_reason` (the answer is complete,
 * only the usage chunk is lost) ends the loop quietly instead of failing the call.
 */
async function* readChunks(
  opened: OpenedResponse,
  assembler: ChunkAssembler,
  toError: (error: unknown) => LlmError,
): AsyncGenerator<ChatStreamEvent, boolean> {
  if (!opened.response.body) throw new SyntaxError("The streaming response has no body.");
  try {
    for await (const event of readSse(opened.response.body)) {
      if (event.data === "[DONE]") return true;
      for (const out of assembler.accept(parseChunk(event))) yield out;
    }
    return false;
  } catch (error) {
    const mapped = toError(error);
    if (mapped.code === "connection" && assembler.finished) return false;
    throw mapped;
  }
}

function parseChunk(event: SseEvent): ChatCompletionChunk {
  if (event.event === "error") {
    let body: unknown = event.data;
    try {
      body = JSON.parse(event.data);
    } catch {
      // Keep the text: it is still the server's description of the failure.
    }
    throw new StreamErrorEvent(body);
  }
  return JSON.parse(event.data) as ChatCompletionChunk;
}

function streamError(
  error: unknown,
  attempt: Attempt,
  request: ChatRequest,
  settings: ResolvedSettings,
  transport: Transport,
  assembler: ChunkAssembler | undefined,
): LlmError {
  if (error instanceof StreamErrorEvent && !request.signal?.aborted) {
    return failureToLlmError({ body: error.body, provider: settings.provider, secret: settings.apiKey });
  }
  return transport.toError(error, attempt, request.signal, {
    responseStarted: true,
    answerStarted: assembler?.started ?? false,
  });
}
