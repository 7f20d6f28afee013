import { type ChatRequest, type ChatStreamEvent, isLlmError } from "@sluice/llm";
import {
  ARTICLE,
  collectEvents,
  type ScriptedResponse,
  type ScriptedServer,
  startScriptedServer,
  userRequest,
} from "@sluice/llm/testing";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createAnthropicModel,
  DEFAULT_ANTHROPIC_MODEL,
  type HttpAttempt,
  NON_STREAMING_MAX_TOKENS,
} from "./index.js";
import { messageEvents, messageJson } from "./test-support/messages-api.js";

const API_KEY = "sk-ant-model-test-0123456789";

const ask = (extra: Partial<ChatRequest> = {}) =>
  userRequest(`Summarize: ${ARTICLE}`, { maxTokens: 200, ...extra });

describe("createAnthropicModel against the emulator", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: [API_KEY], limits: { requestsPerMinute: 10_000 } });
  });
  afterEach(() => {
    emu.configure({ latency: { firstTokenMs: 0, perOutputTokenMs: 0 } });
    emu.reset();
  });
  afterAll(() => emu.close());

  it("has the v1 shape and a documented default model", () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
    expect(model).toMatchObject({
      specificationVersion: "v1",
      provider: "anthropic",
      modelId: DEFAULT_ANTHROPIC_MODEL,
    });
  });

  it("generate returns text, usage, stop reason, request id and lower-cased http headers", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, model: "claude-haiku-5-5" });
    const response = await model.generate(ask());
    expect(response.text.length).toBeGreaterThan(0);
    expect(response.model).toBe("claude-haiku-5-5");
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage.inputTokens).toBe(emu.stats().inputTokens);
    expect(response.usage.outputTokens).toBe(emu.stats().outputTokens);
    expect(response.http?.status).toBe(200);
    expect(response.http?.headers["request-id"]).toBe(response.requestId);
    expect(response.http?.headers["anthropic-ratelimit-requests-limit"]).toBeDefined();
  });

  it(`generate streams internally above ${NON_STREAMING_MAX_TOKENS} max tokens, where the SDK refuses non-streaming calls`, async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
    const response = await model.generate(ask({ maxTokens: 30_000 }));
    expect(response.text.length).toBeGreaterThan(0);
    expect(response.stopReason).toBe("end_turn");
    expect(response.http?.headers["content-type"]).toContain("text/event-stream");
    expect(emu.stats().requests).toBe(1);
  });

  it("without a limiter, the SDK retries a 429 after its retry-after, and every attempt is observed", async () => {
    const attempts: HttpAttempt[] = [];
    const model = createAnthropicModel({
      baseURL: emu.url,
      apiKey: API_KEY,
      onHttpResponse: (a) => attempts.push(a),
    });
    emu.failNext("rate_limit", { retryAfterSeconds: 1 });
    const started = Date.now();
    const response = await model.generate(ask());
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(response.http?.status).toBe(200);
    expect(emu.stats().requests).toBe(2);
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 429],
      [2, 200],
    ]);
    expect(attempts[0]).toMatchObject({ errorType: "rate_limit_error", retryAfterMs: 1000 });
    expect(attempts[0]?.headers["retry-after"]).toBe("1");
  });

  it("without a limiter, a spend cap is not retried (the SDK would retry any 429)", async () => {
    const attempts: HttpAttempt[] = [];
    const model = createAnthropicModel({
      baseURL: emu.url,
      apiKey: API_KEY,
      onHttpResponse: (a) => attempts.push(a),
    });
    emu.failNext("spend_cap", { count: 3 });
    await expect(model.generate(ask())).rejects.toMatchObject({ code: "quota_exceeded", retryable: false });
    expect(emu.stats().requests).toBe(1);
    expect(attempts).toHaveLength(1);
    // What the caller sees is what the server sent.
    expect(attempts[0]?.headers["x-should-retry"]).toBeUndefined();
  });

  it("maxRetries: 0 on the model and transportRetries on the request both bound the SDK's retries", async () => {
    const noRetries = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, maxRetries: 0 });
    emu.failNext("overloaded");
    await expect(noRetries.generate(ask())).rejects.toMatchObject({ code: "overloaded" });
    expect(emu.stats().requests).toBe(1);

    emu.reset();
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, maxRetries: 0 });
    emu.failNext("server_error");
    const response = await model.generate(ask({ transportRetries: 1 }));
    expect(response.text.length).toBeGreaterThan(0);
    expect(emu.stats().requests).toBe(2);
  });

  it("stream emits text deltas, usage and one final done whose text is the deltas joined", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
    const events = await collectEvents(model.stream(ask()));
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type !== "done") return;
    const text = events.map((e) => (e.type === "text" ? e.text : "")).join("");
    expect(text).toBe(done.response.text);
    expect(events.some((e) => e.type === "usage")).toBe(true);
    expect(done.response.usage.outputTokens).toBe(emu.stats().outputTokens);
    expect(done.response.http?.status).toBe(200);
  });

  it("stopSequences and system are sent and honoured", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
    const full = await model.generate(ask({ system: "You summarise." }));
    const word = full.text.split(/\s+/).find((w, i) => i > 2 && /^[a-z]{4,}$/.test(w));
    expect(word).toBeDefined();
    const cut = await model.generate(ask({ system: "You summarise.", stopSequences: [` ${word}`] }));
    expect(cut.stopReason).toBe("stop_sequence");
    expect(cut.text).not.toContain(` ${word}`);
    // The system prompt counts as input.
    expect(full.usage.inputTokens).toBeGreaterThan(0);
  });

  it("timeoutMs also bounds a stream that stalls after its headers", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, maxRetries: 0 });
    emu.configure({ latency: { firstTokenMs: 0, perOutputTokenMs: 400 } });
    const events: ChatStreamEvent[] = [];
    let error: unknown;
    try {
      for await (const event of model.stream(ask({ timeoutMs: 600 }))) events.push(event);
    } catch (caught) {
      error = caught;
    }
    expect(isLlmError(error, "timeout")).toBe(true);
    expect(events.some((e) => e.type === "done")).toBe(false);
  });

  it("the model-level timeoutMs applies when the request sets none", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, timeoutMs: 250, maxRetries: 0 });
    emu.failNext("slow");
    await expect(model.generate(ask())).rejects.toMatchObject({ code: "timeout", retryable: true });
  });

  it("breaking out of a stream releases the connection", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
    emu.configure({ latency: { perOutputTokenMs: 50 } });
    for await (const event of model.stream(ask())) if (event.type === "text") break;
    await expect.poll(() => emu.stats().inFlight, { timeout: 5_000 }).toBe(0);
  });

  it("rejects bad options with a clear LlmConfigurationError", () => {
    expect(() => createAnthropicModel({ baseURL: emu.url, apiKey: "" })).toThrow(/API key/);
    expect(() => createAnthropicModel({ baseURL: "not a url", apiKey: API_KEY })).toThrow(/baseURL/);
    expect(() => createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, timeoutMs: -1 })).toThrow(
      /timeoutMs/,
    );
    expect(() => createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, maxRetries: 1.5 })).toThrow(
      /maxRetries/,
    );
  });
});

describe("the request on the wire", () => {
  let reply: ScriptedResponse = { status: 200, json: messageJson("ok") };
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer(() => reply);
  });
  afterAll(() => server.close());

  it("sends Bearer auth, the SDK's anthropic-version, metadata.user_id, and no sampling parameters", async () => {
    reply = { status: 200, json: messageJson("ok") };
    const model = createAnthropicModel({
      baseURL: server.url,
      apiKey: API_KEY,
      model: "claude-haiku-5-5",
      defaultHeaders: { "x-team": "search" },
    });
    const response = await model.generate({
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Summarize: a b c" },
      ],
      maxTokens: 32,
      stopSequences: ["END"],
      metadata: { user_id: "u-42", team: "search" },
    });
    const sent = server.requests.at(-1);
    expect(sent?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent?.headers["anthropic-version"]).toBe("2026-10-21");
    expect(sent?.headers["x-team"]).toBe("search");
    expect(sent?.body).toEqual({
      model: "claude-haiku-5-5",
      max_tokens: 32,
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Summarize: a b c" },
      ],
      stop_sequences: ["END"],
      metadata: { user_id: "u-42" },
    });
    for (const name of ["temperature", "top_p", "top_k"]) expect(sent?.body).not.toHaveProperty(name);
    expect(response.usage).toEqual({
      inputTokens: 7,
      outputTokens: 3,
      cacheReadInputTokens: 2,
      cacheCreationInputTokens: 1,
    });
  });

  it("streams with stream: true and maps the events", async () => {
    reply = { events: messageEvents("Hello there") };
    const model = createAnthropicModel({ baseURL: server.url, apiKey: API_KEY });
    const events = await collectEvents(
      model.stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 16 }),
    );
    expect(server.requests.at(-1)?.body).toMatchObject({ stream: true });
    expect(events.filter((e) => e.type === "text")).toEqual([{ type: "text", text: "Hello there" }]);
    const done = events.at(-1);
    expect(done).toMatchObject({
      type: "done",
      response: {
        text: "Hello there",
        stopReason: "end_turn",
        model: "claude-scripted",
        usage: { inputTokens: 7, outputTokens: 3 },
      },
    });
  });
});
