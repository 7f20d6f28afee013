import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type ChatRequest, isLlmError, type LlmError, type LlmErrorCode } from "@sluice/llm";
import {
  caughtLlmError,
  collectEvents,
  printedForms,
  type ScriptedResponse,
  type ScriptedServer,
  startScriptedServer,
  userRequest,
} from "@sluice/llm/testing";
import { type Emulator, type FaultKind, startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOpenAICompatibleModel,
  type OpenAICompatibleChatModel,
  ProviderResponseError,
} from "./index.js";
import { DONE, errorBody, streamChunks } from "./test-support/chat-completions.js";

const API_KEY = "sk-openai-test-0123456789abcdef-never-print-me";
const PROMPT = "Summarize: The tide came in. The boats rose. Gulls circled the harbour.";
const request = (extra: Partial<ChatRequest> = {}) =>
  userRequest(PROMPT, { maxTokens: 64, transportRetries: 0, ...extra });

const streamFailure = (model: OpenAICompatibleChatModel, req: ChatRequest) =>
  caughtLlmError(() => collectEvents(model.stream(req)));

/** A loopback port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("error mapping against the emulator's OpenAI faults", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({
      apiKeys: [API_KEY],
      limits: { requestsPerMinute: 1_000, tokensPerMinute: 1e7 },
    });
  });
  afterAll(() => emu.close());

  const cases: [FaultKind, LlmErrorCode, Partial<LlmError>][] = [
    ["rate_limit", "rate_limited", { status: 429, errorCode: "rate_limit_exceeded", retryable: true }],
    [
      "insufficient_quota",
      "quota_exceeded",
      { status: 429, errorCode: "insufficient_quota", retryable: false },
    ],
    ["overloaded", "overloaded", { status: 503, errorType: "server_error", retryable: true }],
    ["server_error", "server_error", { status: 500, retryable: true }],
    ["authentication", "authentication", { status: 401, errorCode: "invalid_api_key", retryable: false }],
    ["permission", "permission", { status: 403, retryable: false }],
    ["not_found", "not_found", { status: 404, errorCode: "model_not_found", retryable: false }],
    ["invalid_request", "invalid_request", { status: 400, retryable: false }],
    [
      "context_length",
      "context_length",
      { status: 400, errorCode: "context_length_exceeded", retryable: false },
    ],
    ["connection_reset", "connection", { retryable: true }],
    ["malformed_json", "server_error", { retryable: true }],
  ];

  for (const [kind, code, fields] of cases) {
    it(`${kind} → ${code}, with the key nowhere in the error`, async () => {
      const model = createOpenAICompatibleModel({
        baseURL: `${emu.url}/v1`,
        apiKey: API_KEY,
        model: "gpt-emulated",
      });
      emu.reset();
      emu.failNext(kind, kind === "rate_limit" ? { retryAfterSeconds: 2 } : undefined);
      const error = await caughtLlmError(() => model.generate(request()));
      expect(error.code).toBe(code);
      expect(error).toMatchObject(fields);
      expect(error.provider).toBe("openai");
      if (error.status !== undefined) {
        expect(error.requestId).toMatch(/^req_/);
        expect(error.cause).toBeInstanceOf(ProviderResponseError);
        expect(Object.keys(error.headers ?? {}).every((name) => name === name.toLowerCase())).toBe(true);
      }
      if (kind === "rate_limit") expect(error.retryAfterMs).toBe(2000);
      if (kind === "insufficient_quota") expect(error.retryAfterMs).toBeUndefined();
      expect(printedForms(error)).not.toContain(API_KEY);
    });
  }

  it('an error event in the middle of a stream (code "overloaded", after HTTP 200) → OverloadedError without status', async () => {
    const model = createOpenAICompatibleModel({
      baseURL: `${emu.url}/v1`,
      apiKey: API_KEY,
      model: "gpt-emulated",
    });
    emu.reset();
    emu.failNext("midstream_overloaded");
    const error = await streamFailure(model, request({ maxTokens: 400 }));
    expect(error.code).toBe("overloaded");
    expect(error.status).toBeUndefined();
    expect(error.errorCode).toBe("overloaded");
    expect(printedForms(error)).not.toContain(API_KEY);
  });

  it("a wrong key → AuthenticationError, and neither key is printed", async () => {
    const wrongKey = "sk-openai-wrong-key-0123456789-do-not-show";
    const model = createOpenAICompatibleModel({ baseURL: `${emu.url}/v1`, apiKey: wrongKey, model: "m" });
    const error = await caughtLlmError(() => model.generate(request()));
    expect(error.code).toBe("authentication");
    expect(printedForms(error)).not.toContain(wrongKey);
  });

  it("a rate limit without retry-after (no-headers mode) stays a retryable RateLimitError", async () => {
    const quiet = await startEmulator({ rateLimitHeaders: false, limits: { requestsPerMinute: 1 } });
    try {
      const model = createOpenAICompatibleModel({ baseURL: `${quiet.url}/v1`, model: "m" });
      await model.generate(request());
      const error = await caughtLlmError(() => model.generate(request()));
      expect(error).toMatchObject({
        code: "rate_limited",
        status: 429,
        retryable: true,
        retryAfterMs: undefined,
      });
    } finally {
      await quiet.close();
    }
  });

  it("timeouts and aborts carry no key either", async () => {
    const model = createOpenAICompatibleModel({ baseURL: `${emu.url}/v1`, apiKey: API_KEY, model: "m" });
    emu.reset();
    emu.failNext("slow");
    const timeout = await caughtLlmError(() => model.generate(request({ timeoutMs: 200 })));
    expect(timeout).toMatchObject({ code: "timeout", retryable: true });
    expect(printedForms(timeout)).not.toContain(API_KEY);

    emu.failNext("slow");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await caughtLlmError(() => model.generate(request({ signal: controller.signal })));
    expect(aborted.code).toBe("aborted");
    expect(printedForms(aborted)).not.toContain(API_KEY);
  });
});

describe("a server that is not running", () => {
  it('connection refused → ConnectionError asking "is your server running at <url>?", with no key', async () => {
    const port = await closedPort();
    const baseURL = `http://127.0.0.1:${port}/v1`;
    const model = createOpenAICompatibleModel({ baseURL, apiKey: API_KEY, model: "llama3.2", maxRetries: 0 });
    const error = await caughtLlmError(() => model.generate(request({ transportRetries: undefined })));
    expect(error.code).toBe("connection");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`Is your server running at ${baseURL}?`);
    expect(printedForms(error)).not.toContain(API_KEY);

    const streamError = await streamFailure(model, request());
    expect(streamError.code).toBe("connection");
  });

  it("a preset names the command that starts its server", async () => {
    const port = await closedPort();
    const model = createOpenAICompatibleModel({
      preset: "ollama",
      baseURL: `http://127.0.0.1:${port}/v1/`,
      model: "llama3.2",
    });
    const error = await caughtLlmError(() => model.generate(request()));
    expect(error.message).toContain(`Is your server running at http://127.0.0.1:${port}/v1?`);
    expect(error.message).toContain("ollama serve");
  });

  it("credentials in the base URL, a key or header with a line break are refused at creation, without echoing them", () => {
    for (const options of [
      { baseURL: "http://user:hunter2-secret@127.0.0.1:9/v1", model: "m" },
      { baseURL: "http://127.0.0.1:9/v1", model: "m", apiKey: "sk-hunter2-sec\nret" },
      { baseURL: "http://127.0.0.1:9/v1", model: "m", defaultHeaders: { "api-key": "hunter2\r\nx: y" } },
    ]) {
      let error: unknown;
      try {
        createOpenAICompatibleModel(options);
      } catch (caught) {
        error = caught;
      }
      expect(isLlmError(error, "configuration")).toBe(true);
      expect(printedForms(error)).not.toContain("hunter2");
    }
  });

  it("a fetch that refuses to build the request → LlmConfigurationError (not retried), key redacted", async () => {
    let calls = 0;
    const model = createOpenAICompatibleModel({
      baseURL: "http://127.0.0.1:9/v1",
      apiKey: API_KEY,
      model: "m",
      fetch: async () => {
        calls += 1;
        throw new TypeError(`Headers.set: "Bearer ${API_KEY}" is an invalid header value.`);
      },
    });
    const error = await caughtLlmError(() => model.generate(request({ transportRetries: 3 })));
    expect(error).toMatchObject({ code: "configuration", retryable: false });
    expect(calls).toBe(1);
    expect(printedForms(error)).not.toContain(API_KEY);
  });

  it("retries connection failures when allowed (the server may be starting)", async () => {
    const port = await closedPort();
    const attempts: number[] = [];
    const model = createOpenAICompatibleModel({
      baseURL: `http://127.0.0.1:${port}/v1`,
      model: "m",
      maxRetries: 1,
      fetch: (input, init) => {
        attempts.push(attempts.length + 1);
        return fetch(input, init);
      },
    });
    const error = await caughtLlmError(() => model.generate(request({ transportRetries: undefined })));
    expect(error.code).toBe("connection");
    expect(attempts).toEqual([1, 2]);
  });
});

describe("error mapping of responses the emulator does not produce", () => {
  let script: ScriptedResponse = { status: 500, json: {} };
  let server: ScriptedServer;
  const model = () =>
    createOpenAICompatibleModel({ baseURL: `${server.url}/v1`, apiKey: API_KEY, model: "m", env: {} });
  beforeAll(async () => {
    server = await startScriptedServer(() => script);
  });
  afterAll(() => server.close());

  const exhaustedRequests = {
    "x-ratelimit-limit-requests": "60",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": "1m0s",
    "x-ratelimit-limit-tokens": "150000",
    "x-ratelimit-remaining-tokens": "149000",
    "x-ratelimit-reset-tokens": "400ms",
  };
  const cases: [string, ScriptedResponse, LlmErrorCode, Partial<LlmError>?][] = [
    [
      "429 requests without retry-after: the wait comes from x-ratelimit-reset-requests (one request's refill)",
      {
        status: 429,
        headers: exhaustedRequests,
        json: errorBody("requests", "Rate limit reached.", "rate_limit_exceeded"),
      },
      "rate_limited",
      { retryAfterMs: 1000, retryable: true },
    ],
    [
      "429 tokens without retry-after: the time until the tokens bucket holds this call",
      {
        status: 429,
        headers: {
          "x-ratelimit-limit-tokens": "10000",
          "x-ratelimit-remaining-tokens": "0",
          "x-ratelimit-reset-tokens": "6s",
        },
        json: errorBody("tokens", "Rate limit reached.", "rate_limit_exceeded"),
      },
      "rate_limited",
      // maxTokens 64 > the input estimate: 64 tokens at 10,000 per 6 s.
      { retryAfterMs: 39 },
    ],
    [
      "429 with retry-after-ms",
      {
        status: 429,
        headers: { ...exhaustedRequests, "retry-after-ms": "1500", "retry-after": "2" },
        json: errorBody("requests", "Slow down.", "rate_limit_exceeded"),
      },
      "rate_limited",
      { retryAfterMs: 1500 },
    ],
    [
      "429 insufficient_quota even with a retry-after",
      {
        status: 429,
        headers: { "retry-after": "20" },
        json: errorBody("insufficient_quota", "You exceeded your current quota.", "insufficient_quota"),
      },
      "quota_exceeded",
      { retryable: false },
    ],
    [
      "429 billing_hard_limit_reached",
      {
        status: 429,
        json: errorBody("invalid_request_error", "Billing limit.", "billing_hard_limit_reached"),
      },
      "quota_exceeded",
    ],
    ["529", { status: 529, json: errorBody("server_error", "Overloaded.") }, "overloaded", { status: 529 }],
    [
      "503 from Ollama's full queue, plain text",
      { status: 503, text: "server busy, please try again.  maximum pending requests exceeded" },
      "overloaded",
      { retryable: true },
    ],
    [
      "503 from llama.cpp loading a model (numeric code)",
      { status: 503, json: { error: { code: 503, message: "Loading model", type: "unavailable_error" } } },
      "overloaded",
      { errorType: "unavailable_error" },
    ],
    [
      "502 with an HTML body",
      { status: 502, text: "<html>Bad gateway</html>" },
      "server_error",
      { status: 502 },
    ],
    ["504", { status: 504, text: "Gateway timeout" }, "timeout", { retryable: true }],
    [
      "404 from Ollama's native error shape {error: string}",
      { status: 404, json: { error: 'model "llama9" not found, try pulling it first' } },
      "not_found",
    ],
    [
      "400 from vLLM's top-level error shape",
      {
        status: 400,
        json: {
          object: "error",
          message: "max_tokens must be at least 1",
          type: "BadRequestError",
          code: 400,
        },
      },
      "invalid_request",
      { errorType: "BadRequestError" },
    ],
    [
      "400 whose message mentions the context length but carries no code (messages are not matched)",
      {
        status: 400,
        json: errorBody("invalid_request_error", "This model's maximum context length is 4096 tokens."),
      },
      "invalid_request",
    ],
    ["422", { status: 422, json: errorBody("invalid_request_error", "Bad.") }, "invalid_request"],
    ["402", { status: 402, json: errorBody("billing_error", "Pay.") }, "quota_exceeded"],
    [
      "a 200 whose body is an error object",
      { status: 200, json: errorBody("server_error", "Oops.") },
      "server_error",
    ],
    ["a 200 without choices", { status: 200, json: { id: "x", object: "chat.completion" } }, "server_error"],
  ];

  for (const [name, response, code, fields] of cases) {
    it(`${name} → ${code}`, async () => {
      script = response;
      const error = await caughtLlmError(() => model().generate(request()));
      expect(error.code).toBe(code);
      if (fields) expect(error).toMatchObject(fields);
    });
  }

  it("the provider's message is quoted and the raw body is kept as the cause", async () => {
    script = { status: 404, json: { error: 'model "llama9" not found, try pulling it first' } };
    const error = await caughtLlmError(() => model().generate(request()));
    expect(error.message).toContain('model "llama9" not found');
    expect(error.cause).toBeInstanceOf(ProviderResponseError);
    expect((error.cause as ProviderResponseError).status).toBe(404);
  });

  it("error events inside a 200 stream map by code and type", async () => {
    const start = streamChunks(["Partial"], { finish: null, usage: false });
    script = { events: [...start, { data: errorBody("server_error", "Internal error") }, DONE] };
    expect((await streamFailure(model(), request())).code).toBe("server_error");
    script = { events: [...start, { data: errorBody("tokens", "Slow down", "rate_limit_exceeded") }, DONE] };
    expect((await streamFailure(model(), request())).code).toBe("rate_limited");
    script = {
      events: [...start, { data: errorBody("insufficient_quota", "Quota", "insufficient_quota") }, DONE],
    };
    expect((await streamFailure(model(), request())).code).toBe("quota_exceeded");
    // llama.cpp has written failures as an `error:` line rather than a data line.
    script = { events: [...start, { raw: 'error: {"code":500,"message":"slot unavailable"}\n\n' }, DONE] };
    const llamacpp = await streamFailure(model(), request());
    expect(llamacpp.code).toBe("server_error");
    expect(llamacpp.message).toContain("slot unavailable");
  });

  it("a chunk that is not JSON → a retryable ServerError", async () => {
    script = {
      events: [
        ...streamChunks(["Hi"], { finish: null, usage: false }),
        { raw: 'data: {"choices": [\n\n' },
        DONE,
      ],
    };
    const error = await streamFailure(model(), request());
    expect(error).toMatchObject({ code: "server_error", retryable: true });
  });

  it("redacts a key that the server echoes back in its message, headers and body", async () => {
    script = {
      status: 401,
      headers: { "x-echo": `key=${API_KEY}` },
      json: errorBody("invalid_request_error", `Incorrect API key provided: ${API_KEY}.`, "invalid_api_key"),
    };
    const error = await caughtLlmError(() => model().generate(request()));
    expect(error.code).toBe("authentication");
    expect(error.message).toContain("[redacted]");
    expect(error.headers?.["x-echo"]).toBe("key=[redacted]");
    expect(printedForms(error)).not.toContain(API_KEY);
  });

  it("redacts an echoed key from the headers of successful responses too", async () => {
    script = {
      status: 200,
      headers: { "x-echo": API_KEY },
      json: { choices: [{ message: { content: "ok" } }] },
    };
    const response = await model().generate(request());
    expect(response.http?.headers["x-echo"]).toBe("[redacted]");
  });
});
