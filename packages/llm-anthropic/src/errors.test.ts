import { APIError } from "@anthropic-ai/sdk";
import type { ChatRequest, LlmError, LlmErrorCode } from "@sluice/llm";
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
import { createAnthropicModel } from "./index.js";
import { errorBody, messageEvents } from "./test-support/messages-api.js";

const API_KEY = "sk-ant-test-0123456789abcdef-never-print-me";
const PROMPT = "Summarize: The tide came in. The boats rose. Gulls circled the harbour.";
const request = (extra: Partial<ChatRequest> = {}) =>
  userRequest(PROMPT, { maxTokens: 64, transportRetries: 0, ...extra });

const streamFailure = (model: ReturnType<typeof createAnthropicModel>, req: ChatRequest) =>
  caughtLlmError(() => collectEvents(model.stream(req)));

describe("error mapping against the emulator's faults", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: [API_KEY] });
  });
  afterAll(() => emu.close());

  const cases: [FaultKind, LlmErrorCode, Partial<LlmError>][] = [
    ["rate_limit", "rate_limited", { status: 429, errorType: "rate_limit_error", retryable: true }],
    ["ramp_limit", "rate_limited", { status: 429, errorCode: "ramp_limit_exceeded", retryable: true }],
    [
      "spend_cap",
      "quota_exceeded",
      { status: 429, errorCode: "enforced_spend_limit_reached", retryable: false },
    ],
    ["insufficient_quota", "quota_exceeded", { status: 402, errorType: "billing_error", retryable: false }],
    ["overloaded", "overloaded", { status: 529, errorType: "overloaded_error", retryable: true }],
    ["server_error", "server_error", { status: 500, errorType: "api_error", retryable: true }],
    ["authentication", "authentication", { status: 401, retryable: false }],
    ["permission", "permission", { status: 403, retryable: false }],
    ["not_found", "not_found", { status: 404, retryable: false }],
    ["invalid_request", "invalid_request", { status: 400, retryable: false }],
    ["context_length", "context_length", { status: 400, errorCode: "prompt_too_long", retryable: false }],
    ["connection_reset", "connection", { retryable: true }],
    ["malformed_json", "server_error", { retryable: true }],
  ];

  for (const [kind, code, fields] of cases) {
    it(`${kind} → ${code}, with the key nowhere in the error`, async () => {
      const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
      emu.reset();
      emu.failNext(
        kind,
        kind === "rate_limit" || kind === "ramp_limit" ? { retryAfterSeconds: 2 } : undefined,
      );
      const error = await caughtLlmError(() => model.generate(request()));
      expect(error.code).toBe(code);
      expect(error).toMatchObject(fields);
      expect(error.provider).toBe("anthropic");
      if (error.status !== undefined) {
        expect(error.requestId).toMatch(/\S/);
        expect(Object.keys(error.headers ?? {}).every((name) => name === name.toLowerCase())).toBe(true);
      }
      if (kind === "rate_limit" || kind === "ramp_limit") expect(error.retryAfterMs).toBe(2000);
      if (kind === "spend_cap") expect(error.retryAfterMs).toBeUndefined();
      expect(printedForms(error)).not.toContain(API_KEY);
    });
  }

  it("a mid-stream overloaded_error (HTTP 200, then SSE error) → OverloadedError without status", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
    emu.reset();
    emu.failNext("midstream_overloaded");
    const error = await streamFailure(model, request({ maxTokens: 400 }));
    expect(error.code).toBe("overloaded");
    expect(error.status).toBeUndefined();
    expect(error.errorType).toBe("overloaded_error");
    expect(error.cause).toBeInstanceOf(APIError);
    expect(printedForms(error)).not.toContain(API_KEY);
  });

  it("a wrong key → AuthenticationError, and neither key is printed", async () => {
    const wrongKey = "sk-ant-wrong-key-0123456789-do-not-show";
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: wrongKey });
    const error = await caughtLlmError(() => model.generate(request()));
    expect(error.code).toBe("authentication");
    expect(printedForms(error)).not.toContain(wrongKey);
  });

  it("timeouts and aborts carry no key either", async () => {
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
    emu.reset();
    emu.failNext("slow");
    const timeout = await caughtLlmError(() => model.generate(request({ timeoutMs: 200 })));
    expect(timeout.code).toBe("timeout");
    expect(printedForms(timeout)).not.toContain(API_KEY);

    emu.failNext("slow");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await caughtLlmError(() => model.generate(request({ signal: controller.signal })));
    expect(aborted.code).toBe("aborted");
    expect(printedForms(aborted)).not.toContain(API_KEY);
  });

  it("a refused connection → ConnectionError with no key", async () => {
    const closed = await startEmulator();
    const url = closed.url;
    await closed.close();
    const model = createAnthropicModel({ baseURL: url, apiKey: API_KEY });
    const error = await caughtLlmError(() => model.generate(request()));
    expect(error.code).toBe("connection");
    expect(error.retryable).toBe(true);
    expect(printedForms(error)).not.toContain(API_KEY);
  });
});

describe("error mapping of responses the emulator does not produce", () => {
  let script: ScriptedResponse = { status: 500, json: {} };
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer(() => script);
  });
  afterAll(() => server.close());

  const limitHeaders = {
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "0",
  };
  const cases: [string, ScriptedResponse, LlmErrorCode, Partial<LlmError>?][] = [
    [
      "402 billing_error",
      { status: 402, json: errorBody("billing_error", "Add credits.") },
      "quota_exceeded",
    ],
    [
      "429 contract_spend_limit_reached",
      {
        status: 429,
        headers: limitHeaders,
        json: errorBody("rate_limit_error", "Limit.", "contract_spend_limit_reached"),
      },
      "quota_exceeded",
      { retryable: false },
    ],
    [
      "429 with an unknown code and no retry-after",
      { status: 429, json: errorBody("rate_limit_error", "Limit.", "some_new_cap_reached") },
      "quota_exceeded",
    ],
    [
      "429 with Anthropic's rate-limit headers but no retry-after (a spend cap without a code)",
      { status: 429, headers: limitHeaders, json: errorBody("rate_limit_error", "Limit.") },
      "quota_exceeded",
    ],
    [
      "429 with retry-after-ms",
      {
        status: 429,
        headers: { "retry-after-ms": "1500", "retry-after": "2" },
        json: errorBody("rate_limit_error", "Slow down."),
      },
      "rate_limited",
      { retryAfterMs: 1500 },
    ],
    [
      "429 from a platform that sends no headers at all",
      { status: 429, json: errorBody("rate_limit_error", "Slow down.") },
      "rate_limited",
      { retryAfterMs: undefined },
    ],
    [
      "429 ramp_limit_exceeded without retry-after",
      {
        status: 429,
        headers: limitHeaders,
        json: errorBody("rate_limit_error", "Ramp.", "ramp_limit_exceeded"),
      },
      "rate_limited",
      { errorCode: "ramp_limit_exceeded" },
    ],
    ["503", { status: 503, json: errorBody("api_error", "Unavailable.") }, "overloaded"],
    [
      "504 timeout_error",
      { status: 504, json: errorBody("timeout_error", "Timed out.") },
      "timeout",
      { retryable: true },
    ],
    ["408", { status: 408, json: errorBody("timeout_error", "Timed out.") }, "timeout"],
    ["409 conflict_error", { status: 409, json: errorBody("conflict_error", "Conflict.") }, "server_error"],
    [
      "413 request_too_large",
      { status: 413, json: errorBody("request_too_large", "Too big.") },
      "invalid_request",
    ],
    ["422", { status: 422, json: errorBody("invalid_request_error", "Bad.") }, "invalid_request"],
    [
      "400 whose message says 'prompt is too long' but carries no code (messages are not matched)",
      {
        status: 400,
        json: errorBody("invalid_request_error", "prompt is too long: 300000 tokens > 200000 maximum"),
      },
      "invalid_request",
    ],
    [
      "502 with an HTML body",
      { status: 502, text: "<html>Bad gateway</html>" },
      "server_error",
      { status: 502 },
    ],
  ];

  for (const [name, response, code, fields] of cases) {
    it(`${name} → ${code}`, async () => {
      script = response;
      const model = createAnthropicModel({ baseURL: server.url, apiKey: API_KEY });
      const error = await caughtLlmError(() => model.generate(request()));
      expect(error.code).toBe(code);
      if (fields) expect(error).toMatchObject(fields);
      expect(error.cause).toBeInstanceOf(APIError);
    });
  }

  it("errors inside a 200 stream map by type: api_error → ServerError, rate_limit_error → RateLimitError", async () => {
    const model = createAnthropicModel({ baseURL: server.url, apiKey: API_KEY });
    const start = messageEvents("Partial answer").slice(0, 3);
    script = { events: [...start, { event: "error", data: errorBody("api_error", "Internal error") }] };
    expect((await streamFailure(model, request())).code).toBe("server_error");
    // A 200's rate-limit headers must not turn a mid-stream rate limit into a spend cap.
    script = {
      headers: limitHeaders,
      events: [...start, { event: "error", data: errorBody("rate_limit_error", "Slow down") }],
    };
    expect((await streamFailure(model, request())).code).toBe("rate_limited");
  });

  it("a stream cut before message_stop → ConnectionError (retryable), never a done event", async () => {
    const model = createAnthropicModel({ baseURL: server.url, apiKey: API_KEY });
    script = { events: messageEvents("Cut short").slice(0, 3) };
    const error = await streamFailure(model, request());
    expect(error.code).toBe("connection");
    expect(error.retryable).toBe(true);
  });

  it("redacts a key that the server echoes back in its message and headers", async () => {
    script = {
      status: 401,
      headers: { "x-echo": `key=${API_KEY}` },
      json: errorBody("authentication_error", `invalid x-api-key: ${API_KEY}`),
    };
    const model = createAnthropicModel({ baseURL: server.url, apiKey: API_KEY });
    const error = await caughtLlmError(() => model.generate(request()));
    expect(error.code).toBe("authentication");
    expect(error.message).toContain("[redacted]");
    expect(error.headers?.["x-echo"]).toBe("key=[redacted]");
    expect(printedForms(error)).not.toContain(API_KEY);
  });
});
