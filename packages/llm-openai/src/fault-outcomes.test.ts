import { type LlmLimiter, withLimiter } from "@sluice/llm";
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
import { createOpenAICompatibleModel } from "./index.js";

// Issue 12, the adapter's side: each fault says what became of the request, over real sockets, and
// withLimiter settles the reservation by it (OpenAI-compatible servers charge what they reserved).

const API_KEY = "sk-openai-fault-test-0123456789";
const request = (text = "Summarize: the tide comes in twice a day. Boats wait for it.") => ({
  messages: [{ role: "user" as const, content: text }],
  maxTokens: 200,
  transportRetries: 0,
});

const RATE_HEADERS = {
  "x-ratelimit-limit-requests": "60",
  "x-ratelimit-remaining-requests": "7",
  "x-ratelimit-reset-requests": "6m0s",
  "x-request-id": "req_fault",
};

describe("error statuses: the server answered and generated nothing", () => {
  let script: ScriptedResponse;
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  beforeAll(async () => {
    server = await startScriptedServer(() => script);
  });
  afterAll(() => server.close());

  it.each([
    [529, "overloaded", "overloaded"],
    [503, "server_error", "overloaded"],
    [500, "server_error", "server_error"],
  ] as const)(
    "a %i with rate-limit headers (%s) → refused, headers kept for the limiter",
    async (status, type, code) => {
      script = {
        status,
        headers: { ...RATE_HEADERS, "retry-after": "1" },
        json: { error: { type, message: "busy" } },
      };
      const model = createOpenAICompatibleModel({ baseURL: `${server.url}/v1`, apiKey: API_KEY, model: "m" });
      const error = await caughtLlmError(() => model.generate(request()));
      expect(error).toMatchObject({ code, status, requestOutcome: "refused", retryAfterMs: 1000 });
      expect(error.headers?.["x-ratelimit-remaining-requests"]).toBe("7");

      const { limiter, reported, observed } = recordingLimiter();
      await expect(withLimiter(model, limiter).generate(request())).rejects.toMatchObject({ code });
      // Charge-reserved: the server keeps what it charged up front, so the combined tokens stay.
      expect(reported).toHaveLength(1);
      expect(reported[0]).toMatchObject({ requests: 1, outputTokens: 0, tokens: 200 });
      expect(observed[0]).toMatchObject({ status, headers: { "x-ratelimit-remaining-requests": "7" } });
    },
  );
});

describe("connection faults through withLimiter", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: [API_KEY] });
  });
  afterAll(() => emu.close());

  const modelAt = (url: string, limiter: LlmLimiter) =>
    withLimiter(
      createOpenAICompatibleModel({ baseURL: `${url}/v1`, apiKey: API_KEY, model: "gpt-emulated" }),
      limiter,
    );

  it("refused: nothing reached the server, the whole reservation comes back", async () => {
    const dead = await startScriptedServer(() => ({ status: 200, text: "" }));
    const url = dead.url;
    await dead.close();
    const { limiter, reported, observed } = recordingLimiter();
    const error = await caughtLlmError(() => modelAt(url, limiter).generate(request()));
    expect(error).toMatchObject({
      code: "connection",
      requestOutcome: "not_sent",
      transportFailure: "refused",
    });
    expect(error.message).toContain("connection refused");
    expect(reported).toEqual([{ requests: 0, inputTokens: 0, outputTokens: 0, tokens: 0 }]);
    expect(observed).toEqual([{ retryable: true, transportFailure: "refused" }]);
  });

  it("resets after the request and cut streams: unknown outcome, nothing reported", async () => {
    const proxy = await startFaultProxy(emu.url);
    try {
      const { limiter, reported, observed } = recordingLimiter();
      const model = modelAt(proxy.url, limiter);
      proxy.failNext("reset_before_response");
      proxy.failNext("reset_after_response_head");
      proxy.failNext("cut_body");
      await expect(model.generate(request())).rejects.toMatchObject({
        transportFailure: "reset_before_response",
      });
      await expect(model.generate(request())).rejects.toMatchObject({
        transportFailure: "reset_after_request",
      });
      const article = Array.from({ length: 30 }, (_, i) => `Sentence ${i} says something about tides.`).join(
        " ",
      );
      const cut = await caughtLlmError(() => collectEvents(model.stream(request(`Summarize: ${article}`))));
      expect(cut).toMatchObject({
        code: "connection",
        requestOutcome: "unknown",
        transportFailure: "stream_cut",
      });
      // OpenAI sends usage only in the last chunk: a cut stream knows none, so it keeps its reservation.
      expect(reported).toEqual([]);
      expect(observed.map((feedback) => feedback.transportFailure)).toEqual([
        "reset_before_response",
        "reset_after_request",
        "stream_cut",
      ]);
    } finally {
      await proxy.close();
    }
  });
});
