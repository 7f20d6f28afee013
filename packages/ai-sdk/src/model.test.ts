import { APICallError, type LanguageModelV2, type LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { callLlm, collectStream, isLlmError, type LlmError } from "@sluice/llm";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { describe, expect, it } from "vitest";
import { fromAiSdk } from "./index.js";

const headers = { "request-id": "req_123", "anthropic-ratelimit-requests-remaining": "49" };

function v3Model(overrides: ConstructorParameters<typeof MockLanguageModelV3>[0] = {}) {
  return new MockLanguageModelV3({
    provider: "anthropic.messages",
    modelId: "claude-test",
    doGenerate: {
      content: [
        { type: "text", text: "Deltas " },
        { type: "text", text: "sink." },
      ],
      finishReason: { unified: "stop", raw: "stop_sequence" },
      usage: {
        inputTokens: { total: 160, noCache: 100, cacheRead: 50, cacheWrite: 10 },
        outputTokens: { total: 7, text: 7, reasoning: undefined },
      },
      response: { id: "msg_1", modelId: "claude-test-20261201", headers },
      warnings: [],
    },
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isLlmError(error)) throw new Error(`expected an LlmError, got ${String(error)}`);
  return error;
}

describe("fromAiSdk on a V3 model", () => {
  it("maps text, nested usage with cache reads and writes, the raw stop reason, model, headers and request id", async () => {
    const model = fromAiSdk(v3Model());
    expect(model).toMatchObject({
      specificationVersion: "v1",
      provider: "anthropic",
      modelId: "claude-test",
    });
    const response = await model.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 50 });
    expect(response).toEqual({
      text: "Deltas sink.",
      usage: { inputTokens: 100, outputTokens: 7, cacheReadInputTokens: 50, cacheCreationInputTokens: 10 },
      stopReason: "stop_sequence",
      model: "claude-test-20261201",
      requestId: "req_123",
      http: { status: 200, headers },
    });
  });

  it("sends system, messages, maxTokens and stop sequences as AI SDK call options", async () => {
    const mock = v3Model();
    await fromAiSdk(mock).generate({
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Summarize" },
      ],
      maxTokens: 42,
      stopSequences: ["END"],
    });
    const [options] = mock.doGenerateCalls;
    expect(options?.maxOutputTokens).toBe(42);
    expect(options?.stopSequences).toEqual(["END"]);
    expect(options?.prompt).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Hi" }] },
      { role: "assistant", content: [{ type: "text", text: "Hello" }] },
      { role: "user", content: [{ type: "text", text: "Summarize" }] },
    ]);
  });

  it("works with callLlm", async () => {
    expect(await callLlm("Summarize: deltas.", { model: fromAiSdk(v3Model()) })).toBe("Deltas sink.");
  });

  it("streams text deltas, one usage event and a final response", async () => {
    const chunks: LanguageModelV3StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: "msg_2", modelId: "claude-test-20261201" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "Rivers " },
      { type: "text-delta", id: "t", delta: "move silt." },
      { type: "text-end", id: "t" },
      {
        type: "finish",
        finishReason: { unified: "length", raw: "max_tokens" },
        usage: {
          inputTokens: { total: 30, noCache: 30, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 4, text: 4, reasoning: undefined },
        },
      },
    ];
    const model = fromAiSdk(
      v3Model({ doStream: { stream: simulateReadableStream({ chunks }), response: { headers } } }),
    );
    const texts: string[] = [];
    const response = await collectStream(
      model.stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 4 }),
      (text) => texts.push(text),
    );
    expect(texts).toEqual(["Rivers ", "move silt."]);
    expect(response).toMatchObject({
      text: "Rivers move silt.",
      stopReason: "max_tokens",
      model: "claude-test-20261201",
      requestId: "req_123",
      usage: { inputTokens: 30, outputTokens: 4 },
    });
  });

  it("an error part in the stream becomes the typed error its provider type names", async () => {
    const chunks: LanguageModelV3StreamPart[] = [
      { type: "text-delta", id: "t", delta: "Half" },
      { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
    ];
    const model = fromAiSdk(v3Model({ doStream: { stream: simulateReadableStream({ chunks }) } }));
    const error = await failure(
      collectStream(model.stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 4 })),
    );
    expect(error).toMatchObject({ code: "overloaded", retryable: true, provider: "anthropic" });
  });

  it("rejects what is not an AI SDK model with advice", () => {
    expect(() => fromAiSdk("anthropic/claude-sonnet-4-5" as never)).toThrow(/provider package/);
  });
});

describe("fromAiSdk error mapping (APICallError)", () => {
  const failing = (error: unknown) =>
    failure(
      fromAiSdk(
        v3Model({
          doGenerate: async () => {
            throw error;
          },
        }),
      ).generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 5 }),
    );

  const apiError = (statusCode: number | undefined, responseHeaders: Record<string, string>, body: unknown) =>
    new APICallError({
      message: "failed",
      url: "http://127.0.0.1/v1/messages",
      requestBodyValues: {},
      ...(statusCode === undefined ? {} : { statusCode }),
      responseHeaders,
      responseBody: JSON.stringify(body),
    });

  it("429 with retry-after → RateLimitError with retryAfterMs and the headers for the throttle", async () => {
    const error = await failing(
      apiError(
        429,
        { "retry-after": "7", "anthropic-ratelimit-requests-remaining": "0" },
        {
          type: "error",
          error: { type: "rate_limit_error", message: "slow down" },
        },
      ),
    );
    expect(error).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 7000, status: 429 });
    expect(error.headers?.["anthropic-ratelimit-requests-remaining"]).toBe("0");
    expect(APICallError.isInstance((error as { cause?: unknown }).cause)).toBe(true);
  });

  it("529 → OverloadedError; 401 → AuthenticationError; a spend-cap code → QuotaExceededError", async () => {
    const overloaded = await failing(
      apiError(529, {}, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    );
    expect(overloaded).toMatchObject({ code: "overloaded", retryable: true });
    const auth = await failing(apiError(401, {}, { error: { type: "authentication_error" } }));
    expect(auth).toMatchObject({ code: "authentication", retryable: false });
    const quota = await failing(
      apiError(
        429,
        {},
        {
          error: { type: "rate_limit_error", details: { error_code: "enforced_spend_limit_reached" } },
        },
      ),
    );
    expect(quota).toMatchObject({ code: "quota_exceeded", retryable: false });
  });

  it("reads Anthropic's own meanings: a 413 is an invalid request, a 429 without retry-after a spend cap", async () => {
    const tooLarge = await failing(
      apiError(413, {}, { error: { type: "request_too_large", message: "too big" } }),
    );
    expect(tooLarge).toMatchObject({ code: "invalid_request", retryable: false, status: 413 });
    const capped = await failing(
      apiError(
        429,
        { "anthropic-ratelimit-requests-remaining": "10" },
        { error: { type: "rate_limit_error" } },
      ),
    );
    expect(capped).toMatchObject({ code: "quota_exceeded", retryable: false });
    // A bare 429 from a platform that sends no headers at all stays a rate limit.
    const bare = await failing(apiError(429, {}, { error: { type: "rate_limit_error" } }));
    expect(bare).toMatchObject({ code: "rate_limited", retryable: true });
  });

  it("no status (fetch could not connect) → ConnectionError; a garbled 200 → retryable ServerError", async () => {
    expect(await failing(apiError(undefined, {}, ""))).toMatchObject({ code: "connection", retryable: true });
    expect(await failing(apiError(200, {}, "{not json"))).toMatchObject({
      code: "server_error",
      retryable: true,
    });
  });
});

describe("fromAiSdk on a V2 model (ai 5 provider packages)", () => {
  const v2: LanguageModelV2 = {
    specificationVersion: "v2",
    provider: "openai.chat",
    modelId: "gpt-test",
    supportedUrls: {},
    doGenerate: async () => ({
      content: [{ type: "text", text: "Flat usage." }],
      finishReason: "length",
      // V2 counts cached prompt tokens inside inputTokens.
      usage: { inputTokens: 120, outputTokens: 9, totalTokens: 129, cachedInputTokens: 20 },
      response: { modelId: "gpt-test-1", headers: { "x-request-id": "req_v2" } },
      warnings: [],
    }),
    doStream: async () => ({
      stream: simulateReadableStream<never>({
        chunks: [
          { type: "text-delta", id: "t", delta: "Flat " },
          { type: "text-delta", id: "t", delta: "usage." },
          {
            type: "finish",
            finishReason: "stop",
            usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
          },
        ] as never[],
      }),
    }),
  };

  it("maps flat usage (cached tokens out of inputTokens), the bare finish reason, and OpenAI's accounting", async () => {
    const model = fromAiSdk(v2);
    expect(model).toMatchObject({ provider: "openai", rateLimitAccounting: "charge-reserved" });
    const response = await model.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 9 });
    expect(response).toMatchObject({
      text: "Flat usage.",
      stopReason: "max_tokens",
      model: "gpt-test-1",
      requestId: "req_v2",
      usage: { inputTokens: 100, cacheReadInputTokens: 20, outputTokens: 9, cacheCreationInputTokens: 0 },
    });
    const streamed = await collectStream(
      model.stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 9 }),
    );
    expect(streamed).toMatchObject({
      text: "Flat usage.",
      stopReason: "end_turn",
      usage: { inputTokens: 5 },
    });
  });
});
