import { type ChatRequest, type ChatStreamEvent, estimateTextTokens, isLlmError } from "@sluice/llm";
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
  createOpenAICompatibleModel,
  DEFAULT_OPENAI_MODEL,
  type HttpAttempt,
  isUsageEstimated,
  OPENAI_COMPATIBLE_PRESETS,
} from "./index.js";
import { completionJson, DONE, streamChunks } from "./test-support/chat-completions.js";

const API_KEY = "sk-openai-model-test-0123456789";

const ask = (extra: Partial<ChatRequest> = {}) =>
  userRequest(`Summarize: ${ARTICLE}`, { maxTokens: 200, ...extra });

describe("createOpenAICompatibleModel against the emulator", () => {
  let emu: Emulator;
  const model = (extra: Parameters<typeof createOpenAICompatibleModel>[0] = {}) =>
    createOpenAICompatibleModel({
      baseURL: `${emu.url}/v1`,
      apiKey: API_KEY,
      model: "gpt-emulated",
      ...extra,
    });

  beforeAll(async () => {
    emu = await startEmulator({
      apiKeys: [API_KEY],
      limits: { requestsPerMinute: 10_000, tokensPerMinute: 10_000_000 },
    });
  });
  afterEach(() => {
    emu.configure({ latency: { firstTokenMs: 0, perOutputTokenMs: 0 } });
    emu.reset();
  });
  afterAll(() => emu.close());

  it("has the v1 shape; a server that is not OpenAI's gets max_tokens", () => {
    expect(model()).toMatchObject({
      specificationVersion: "v1",
      provider: "openai",
      modelId: "gpt-emulated",
      baseURL: `${emu.url}/v1`,
      maxTokensField: "max_tokens",
    });
  });

  it("generate returns text, usage, stop reason, request id and lower-cased http headers", async () => {
    const response = await model().generate(ask());
    expect(response.text.length).toBeGreaterThan(0);
    expect(response.model).toBe("gpt-emulated");
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage.inputTokens).toBe(emu.stats().inputTokens);
    expect(response.usage.outputTokens).toBe(emu.stats().outputTokens);
    expect(isUsageEstimated(response)).toBe(false);
    expect(response.http?.status).toBe(200);
    expect(response.requestId).toMatch(/^req_/);
    expect(response.http?.headers["x-request-id"]).toBe(response.requestId);
    expect(response.http?.headers["x-ratelimit-limit-tokens"]).toBe("10000000");
    expect(response.http?.headers["x-ratelimit-reset-requests"]).toMatch(/^[\d.]+m?s$/);
  });

  it('finish_reason "length" is max_tokens, with output within maxTokens', async () => {
    const response = await model().generate(ask({ maxTokens: 5 }));
    expect(response.stopReason).toBe("max_tokens");
    expect(response.usage.outputTokens).toBeLessThanOrEqual(5);
  });

  it('stop sequences cut the text; OpenAI\'s "stop" cannot say why, so the reason is end_turn', async () => {
    const full = await model().generate(ask({ system: "You summarise." }));
    const word = full.text.split(/\s+/).find((w, i) => i > 2 && /^[a-z]{4,}$/.test(w));
    expect(word).toBeDefined();
    const cut = await model().generate(ask({ system: "You summarise.", stopSequences: [` ${word}`] }));
    expect(cut.text).not.toContain(` ${word}`);
    expect(full.text.startsWith(cut.text)).toBe(true);
    expect(cut.stopReason).toBe("end_turn");
  });

  it("stream emits text deltas, one usage event from the last chunk and one final done", async () => {
    const events = await collectEvents(model().stream(ask()));
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type !== "done") return;
    const text = events.map((e) => (e.type === "text" ? e.text : "")).join("");
    expect(text).toBe(done.response.text);
    expect(events.filter((e) => e.type === "usage")).toHaveLength(1);
    expect(done.response.usage.outputTokens).toBe(emu.stats().outputTokens);
    expect(isUsageEstimated(done.response)).toBe(false);
    expect(done.response.http?.headers["content-type"]).toContain("text/event-stream");
  });

  it("without a limiter, a 429 is retried after its retry-after, and every attempt is observed", async () => {
    const attempts: HttpAttempt[] = [];
    emu.failNext("rate_limit", { retryAfterSeconds: 1 });
    const started = Date.now();
    const response = await model({ onHttpResponse: (a) => attempts.push(a) }).generate(ask());
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(response.http?.status).toBe(200);
    expect(emu.stats().requests).toBe(2);
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 429],
      [2, 200],
    ]);
    expect(attempts[0]).toMatchObject({
      errorCode: "rate_limit_exceeded",
      retryAfterMs: 1000,
      retryable: true,
    });
  });

  it("insufficient_quota is never retried", async () => {
    emu.failNext("insufficient_quota", { count: 3 });
    await expect(model({ maxRetries: 5 }).generate(ask())).rejects.toMatchObject({
      code: "quota_exceeded",
      retryable: false,
    });
    expect(emu.stats().requests).toBe(1);
  });

  it("maxRetries: 0 on the model and transportRetries on the request both bound the retries", async () => {
    emu.failNext("overloaded");
    await expect(model({ maxRetries: 0 }).generate(ask())).rejects.toMatchObject({
      code: "overloaded",
      status: 503,
    });
    expect(emu.stats().requests).toBe(1);

    emu.reset();
    emu.failNext("server_error");
    const response = await model({ maxRetries: 0 }).generate(ask({ transportRetries: 1 }));
    expect(response.text.length).toBeGreaterThan(0);
    expect(emu.stats().requests).toBe(2);
  });

  it("stream retries a failure to open the stream (nothing was handed out yet)", async () => {
    emu.failNext("overloaded");
    const events = await collectEvents(model().stream(ask()));
    expect(events.at(-1)?.type).toBe("done");
    expect(emu.stats().requests).toBe(2);
  });

  it("aborting while waiting out a retry-after rejects promptly with AbortedError", async () => {
    emu.failNext("rate_limit", { retryAfterSeconds: 30 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(model().generate(ask({ signal: controller.signal }))).rejects.toMatchObject({
      code: "aborted",
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(emu.stats().requests).toBe(1);
  });

  it("timeoutMs also bounds a stream that stalls after its headers", async () => {
    emu.configure({ latency: { firstTokenMs: 0, perOutputTokenMs: 400 } });
    const events: ChatStreamEvent[] = [];
    let error: unknown;
    try {
      for await (const event of model({ maxRetries: 0 }).stream(ask({ timeoutMs: 600 }))) events.push(event);
    } catch (caught) {
      error = caught;
    }
    expect(isLlmError(error, "timeout")).toBe(true);
    expect(events.some((e) => e.type === "done")).toBe(false);
  });

  it("the model-level timeoutMs applies when the request sets none", async () => {
    emu.failNext("slow");
    await expect(model({ timeoutMs: 250, maxRetries: 0 }).generate(ask())).rejects.toMatchObject({
      code: "timeout",
      retryable: true,
    });
  });

  it("breaking out of a stream releases the connection", async () => {
    emu.configure({ latency: { perOutputTokenMs: 50 } });
    for await (const event of model().stream(ask())) if (event.type === "text") break;
    await expect.poll(() => emu.stats().inFlight, { timeout: 5_000 }).toBe(0);
  });
});

describe("options, presets and the environment", () => {
  it("presets carry their default URLs and output-cap field", () => {
    expect(OPENAI_COMPATIBLE_PRESETS.ollama.baseURL).toBe("http://localhost:11434/v1");
    expect(OPENAI_COMPATIBLE_PRESETS.vllm.baseURL).toBe("http://localhost:8000/v1");
    expect(OPENAI_COMPATIBLE_PRESETS.llamacpp.baseURL).toBe("http://localhost:8080/v1");
    expect(OPENAI_COMPATIBLE_PRESETS.lmstudio.baseURL).toBe("http://localhost:1234/v1");
    const ollama = createOpenAICompatibleModel({ preset: "ollama", model: "llama3.2", env: {} });
    expect(ollama).toMatchObject({
      provider: "ollama",
      modelId: "llama3.2",
      baseURL: "http://localhost:11434/v1",
      maxTokensField: "max_tokens",
    });
    const openai = createOpenAICompatibleModel({ apiKey: API_KEY, env: {} });
    expect(openai).toMatchObject({
      provider: "openai",
      modelId: DEFAULT_OPENAI_MODEL,
      baseURL: "https://api.openai.com/v1",
      maxTokensField: "max_completion_tokens",
    });
  });

  it("reads OPENAI_API_KEY and OPENAI_BASE_URL for openai, but never hands the key to a local preset", () => {
    const env = { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: "http://gateway.internal:4000/v1/" };
    const fromEnv = createOpenAICompatibleModel({ env, model: "m" });
    expect(fromEnv.baseURL).toBe("http://gateway.internal:4000/v1");
    const local = createOpenAICompatibleModel({ preset: "vllm", env, model: "m" });
    expect(local.baseURL).toBe("http://localhost:8000/v1");
  });

  it("rejects bad options with a clear LlmConfigurationError", () => {
    const env = {};
    expect(() => createOpenAICompatibleModel({ env })).toThrow(/OPENAI_API_KEY/);
    expect(() => createOpenAICompatibleModel({ env, baseURL: "http://localhost:9/v1" })).toThrow(
      /name the model/,
    );
    expect(() => createOpenAICompatibleModel({ env, preset: "ollama" })).toThrow(/ollama list/);
    expect(() => createOpenAICompatibleModel({ env, baseURL: "not a url", model: "m" })).toThrow(/baseURL/);
    expect(() => createOpenAICompatibleModel({ env, preset: "tgi" as never, model: "m" })).toThrow(/preset/);
    const ok = { env, preset: "ollama" as const, model: "m" };
    expect(() => createOpenAICompatibleModel({ ...ok, timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => createOpenAICompatibleModel({ ...ok, maxRetries: 1.5 })).toThrow(/maxRetries/);
    expect(() => createOpenAICompatibleModel({ ...ok, maxTokensField: "n_predict" as never })).toThrow(
      /maxTokensField/,
    );
    expect(() => createOpenAICompatibleModel({ ...ok, model: " " })).toThrow(/model/);
  });

  it("rejects malformed requests locally with InvalidRequestError", async () => {
    const model = createOpenAICompatibleModel({ preset: "ollama", model: "m", env: {} });
    await expect(model.generate({ messages: [], maxTokens: 10 })).rejects.toMatchObject({
      code: "invalid_request",
    });
    expect(() => model.stream({ messages: [{ role: "user", content: "x" }], maxTokens: 0 })).toThrow(
      /maxTokens/,
    );
  });
});

describe("the request and response on the wire", () => {
  let reply: ScriptedResponse = { status: 200, json: completionJson("ok") };
  let server: ScriptedServer;
  const model = (extra: Parameters<typeof createOpenAICompatibleModel>[0] = {}) =>
    createOpenAICompatibleModel({
      baseURL: `${server.url}/v1`,
      apiKey: API_KEY,
      model: "m",
      env: {},
      ...extra,
    });

  beforeAll(async () => {
    server = await startScriptedServer(() => reply);
  });
  afterAll(() => server.close());

  it("sends Bearer auth, the system prompt as a system message, the cap, stop and user; no sampling parameters", async () => {
    reply = { status: 200, json: completionJson("ok") };
    const response = await model({ defaultHeaders: { "OpenAI-Organization": "org-1" } }).generate({
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
    expect(sent?.method).toBe("POST");
    expect(sent?.url).toBe("/v1/chat/completions");
    expect(sent?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent?.headers["openai-organization"]).toBe("org-1");
    expect(sent?.body).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Summarize: a b c" },
      ],
      max_tokens: 32,
      stop: ["END"],
      user: "u-42",
    });
    expect(response).toMatchObject({ text: "ok", model: "scripted-model", stopReason: "end_turn" });
    expect(response.usage).toEqual({
      inputTokens: 7,
      outputTokens: 3,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    });
  });

  it("max_completion_tokens when asked; a default Authorization header replaces the key's", async () => {
    reply = { status: 200, json: completionJson("ok") };
    await model({
      maxTokensField: "max_completion_tokens",
      defaultHeaders: { authorization: "Bearer gw" },
    }).generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 9 });
    const sent = server.requests.at(-1);
    expect(sent?.body).toMatchObject({ max_completion_tokens: 9 });
    expect(sent?.body).not.toHaveProperty("max_tokens");
    expect(sent?.headers.authorization).toBe("Bearer gw");
  });

  it("sends no Authorization at all to a local preset without a key (OPENAI_API_KEY stays home)", async () => {
    reply = { status: 200, json: completionJson("ok") };
    const local = createOpenAICompatibleModel({
      preset: "ollama",
      baseURL: `${server.url}/v1`,
      model: "llama3.2",
      env: { OPENAI_API_KEY: API_KEY },
    });
    await local.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 9 });
    expect(server.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it("streams with stream_options.include_usage and maps the chunks", async () => {
    reply = { events: [...streamChunks(["Hello", " there"]), DONE] };
    const events = await collectEvents(
      model().stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 16 }),
    );
    expect(server.requests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(server.requests.at(-1)?.headers.accept).toBe("text/event-stream");
    expect(events.filter((e) => e.type === "text")).toEqual([
      { type: "text", text: "Hello" },
      { type: "text", text: " there" },
    ]);
    expect(events.at(-1)).toMatchObject({
      type: "done",
      response: { text: "Hello there", stopReason: "end_turn", usage: { inputTokens: 7, outputTokens: 3 } },
    });
  });

  it("a stream cut after finish_reason but before the usage chunk completes with estimated usage", async () => {
    const text = "The bridge reopened in autumn with a festival.";
    reply = { events: streamChunks([text], { usage: false }), end: "reset" };
    const request: ChatRequest = {
      messages: [{ role: "user", content: `Summarize: ${ARTICLE}` }],
      maxTokens: 100,
    };
    const events = await collectEvents(model().stream(request));
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type !== "done") return;
    expect(done.response.text).toBe(text);
    expect(done.response.stopReason).toBe("end_turn");
    expect(isUsageEstimated(done.response)).toBe(true);
    // The mark is a plain field too, so it survives JSON logs.
    expect(JSON.parse(JSON.stringify(done.response)).usageEstimated).toBe(true);
    // Conservative: at least the characters / 4 the emulator (and real tokenizers, roughly) count.
    expect(done.response.usage.outputTokens).toBe(estimateTextTokens(text));
    expect(done.response.usage.outputTokens).toBeGreaterThanOrEqual(Math.ceil(text.length / 4));
    expect(done.response.usage.inputTokens).toBeGreaterThanOrEqual(Math.ceil(ARTICLE.length / 4));
    expect(events.filter((e) => e.type === "usage")).toEqual([{ type: "usage", usage: done.response.usage }]);
  });

  it("a server that ignores include_usage (no usage chunk, then [DONE]) gets estimated usage too", async () => {
    reply = { events: [...streamChunks(["Short answer."], { usage: false }), DONE] };
    const events = await collectEvents(
      model().stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 2 }),
    );
    const done = events.at(-1);
    expect(done?.type === "done" && isUsageEstimated(done.response)).toBe(true);
    // Never more output than maxTokens allowed.
    expect(done?.type === "done" && done.response.usage.outputTokens).toBe(2);
  });

  it("a stream cut before finish_reason fails with a retryable ConnectionError and no done", async () => {
    reply = { events: streamChunks(["Half an ans"], { finish: null, usage: false }), end: "reset" };
    const events: ChatStreamEvent[] = [];
    let error: unknown;
    try {
      for await (const event of model().stream({
        messages: [{ role: "user", content: "Hi" }],
        maxTokens: 16,
      }))
        events.push(event);
    } catch (caught) {
      error = caught;
    }
    expect(isLlmError(error, "connection")).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect(events.some((e) => e.type === "done")).toBe(false);
    expect(events.some((e) => e.type === "text")).toBe(true);

    reply = { events: streamChunks(["Half"], { finish: null, usage: false }), end: "close" };
    await expect(
      collectEvents(model().stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 16 })),
    ).rejects.toMatchObject({ code: "connection", message: expect.stringMatching(/no finish_reason/) });
  });

  it("SSE framing: CRLF line ends, comments and multi-line data are read", async () => {
    const [role, content, finish, usage] = streamChunks(["Hi!"]).map((c) => JSON.stringify(c.data));
    reply = {
      events: [
        { raw: `: keep-alive\r\n\r\ndata: ${role}\r\n\r\n` },
        { raw: `data: ${content}\r\n\r\n` },
        { raw: `data: ${finish}\n\n` },
        { raw: `data: ${usage}\n\n` },
        DONE,
      ],
    };
    const events = await collectEvents(
      model().stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 16 }),
    );
    expect(events.at(-1)).toMatchObject({
      type: "done",
      response: { text: "Hi!", usage: { outputTokens: 3 } },
    });
  });

  it("finish reasons: length → max_tokens, content_filter → refusal, tool_calls → tool_use; vLLM's stop_reason → stop_sequence", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ finish_reason: "length" }, "max_tokens"],
      [{ finish_reason: "content_filter" }, "refusal"],
      [{ finish_reason: "tool_calls" }, "tool_use"],
      [{ finish_reason: "stop", stop_reason: "END" }, "stop_sequence"],
      [{ finish_reason: "stop", stop_reason: null }, "end_turn"],
      [{ finish_reason: "something_new" }, "unknown"],
    ];
    for (const [extra, expected] of cases) {
      reply = { status: 200, json: completionJson("x", extra) };
      const response = await model().generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 5 });
      expect(response.stopReason, JSON.stringify(extra)).toBe(expected);
    }
  });

  it("cached prompt tokens become cacheReadInputTokens; a body without usage gets an estimate", async () => {
    reply = {
      status: 200,
      json: completionJson("ok", {
        usage: { prompt_tokens: 100, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 40 } },
      }),
    };
    const cached = await model().generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 5 });
    expect(cached.usage).toEqual({
      inputTokens: 60,
      outputTokens: 2,
      cacheReadInputTokens: 40,
      cacheCreationInputTokens: 0,
    });
    reply = { status: 200, json: completionJson("ok", { usage: undefined }) };
    const estimated = await model().generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 5 });
    expect(isUsageEstimated(estimated)).toBe(true);
    expect(estimated.usage.inputTokens).toBeGreaterThan(0);
  });

  it("a server that answers a stream request with plain JSON still yields text, usage and done", async () => {
    reply = { status: 200, json: completionJson("All at once.") };
    const events = await collectEvents(
      model().stream({ messages: [{ role: "user", content: "Hi" }], maxTokens: 16 }),
    );
    expect(events.map((e) => e.type)).toEqual(["text", "usage", "done"]);
    expect(events.at(-1)).toMatchObject({ response: { text: "All at once." } });
  });
});
