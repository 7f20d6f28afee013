import { withLimiter } from "@sluice/llm";
import {
  caughtLlmError,
  collectEvents,
  recordingLimiter,
  type ScriptedResponse,
  startFaultProxy,
  startScriptedServer,
} from "@sluice/llm/testing";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicModel } from "./index.js";

// Issue 12, the adapter's side: each fault says what became of the request, over real sockets, and
// withLimiter settles the reservation by it.

const API_KEY = "sk-ant-fault-test-0123456789";
const request = (text = "Summarize: the tide comes in twice a day. Boats wait for it.") => ({
  messages: [{ role: "user" as const, content: text }],
  maxTokens: 200,
  transportRetries: 0,
});

const RATE_HEADERS = {
  "anthropic-ratelimit-requests-limit": "50",
  "anthropic-ratelimit-requests-remaining": "12",
  "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:10Z",
  "request-id": "req_fault",
};
const errorBody = (type: string) => ({ type: "error", error: { type, message: `${type} happened` } });

describe("error statuses: the server answered and generated nothing", () => {
  let script: ScriptedResponse;
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  beforeAll(async () => {
    server = await startScriptedServer(() => script);
  });
  afterAll(() => server.close());

  it.each([
    [529, "overloaded_error", "overloaded"],
    [503, "api_error", "overloaded"],
    [500, "api_error", "server_error"],
  ] as const)(
    "a %i with rate-limit headers is %s… → refused, headers kept for the limiter",
    async (status, type, code) => {
      script = { status, headers: { ...RATE_HEADERS, "retry-after": "1" }, json: errorBody(type) };
      const model = createAnthropicModel({ baseURL: server.url, apiKey: API_KEY });
      const error = await caughtLlmError(() => model.generate(request()));
      expect(error).toMatchObject({ code, status, requestOutcome: "refused", retryAfterMs: 1000 });
      expect(error.transportFailure).toBeUndefined();
      expect(error.headers?.["anthropic-ratelimit-requests-remaining"]).toBe("12");

      const { limiter, reported, observed } = recordingLimiter();
      await expect(withLimiter(model, limiter).generate(request())).rejects.toMatchObject({ code });
      expect(reported).toHaveLength(1);
      expect(reported[0]).toMatchObject({ requests: 1, outputTokens: 0 });
      expect(reported[0]?.inputTokens).toBeGreaterThan(0);
      expect(observed[0]).toMatchObject({
        status,
        headers: { "anthropic-ratelimit-requests-remaining": "12" },
      });
    },
  );

  it("a 504 from a gateway leaves the outcome unknown: the upstream may have run it", async () => {
    script = { status: 504, json: errorBody("timeout_error") };
    const model = createAnthropicModel({ baseURL: server.url, apiKey: API_KEY });
    const { limiter, reported } = recordingLimiter();
    const error = await caughtLlmError(() => withLimiter(model, limiter).generate(request()));
    expect(error).toMatchObject({ code: "timeout", requestOutcome: "unknown" });
    expect(reported).toEqual([]);
  });
});

describe("connection faults through withLimiter", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: [API_KEY] });
  });
  afterAll(() => emu.close());

  it("refused: nothing reached the server, the whole reservation comes back", async () => {
    const dead = await startScriptedServer(() => ({ status: 200, text: "" }));
    const url = dead.url;
    await dead.close();
    const { limiter, reported, observed } = recordingLimiter();
    const model = withLimiter(createAnthropicModel({ baseURL: url, apiKey: API_KEY }), limiter);
    const error = await caughtLlmError(() => model.generate(request()));
    expect(error.message).toContain(`Could not connect to ${url}`);
    expect(error).toMatchObject({
      code: "connection",
      requestOutcome: "not_sent",
      transportFailure: "refused",
    });
    expect(reported).toEqual([{ requests: 0, inputTokens: 0, outputTokens: 0 }]);
    expect(observed).toEqual([{ retryable: true, transportFailure: "refused" }]);
  });

  it("a reset after the request: unknown outcome, nothing reported, the limiter hears the kind", async () => {
    const proxy = await startFaultProxy(emu.url);
    try {
      const { limiter, reported, observed } = recordingLimiter();
      const model = withLimiter(createAnthropicModel({ baseURL: proxy.url, apiKey: API_KEY }), limiter);
      proxy.failNext("reset_before_response");
      proxy.failNext("reset_after_response_head");
      await expect(model.generate(request())).rejects.toMatchObject({
        transportFailure: "reset_before_response",
      });
      await expect(model.generate(request())).rejects.toMatchObject({
        transportFailure: "reset_after_request",
      });
      expect(reported).toEqual([]);
      expect(observed.map((feedback) => feedback.transportFailure)).toEqual([
        "reset_before_response",
        "reset_after_request",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("a stream cut mid-answer reports the input the server counted and keeps the output reserved", async () => {
    const proxy = await startFaultProxy(emu.url);
    try {
      emu.reset();
      const { limiter, reported } = recordingLimiter();
      const model = withLimiter(createAnthropicModel({ baseURL: proxy.url, apiKey: API_KEY }), limiter);
      proxy.failNext("cut_body");
      const article = Array.from({ length: 30 }, (_, i) => `Sentence ${i} says something about tides.`).join(
        " ",
      );
      const error = await caughtLlmError(() => collectEvents(model.stream(request(`Summarize: ${article}`))));
      expect(error).toMatchObject({
        code: "connection",
        requestOutcome: "unknown",
        transportFailure: "stream_cut",
      });
      // message_start carried the real input count; the emulator counted the same.
      expect(reported).toEqual([{ requests: 1, inputTokens: emu.stats().inputTokens, outputTokens: 200 }]);
    } finally {
      await proxy.close();
    }
  });
});
