import { createAnthropic } from "@ai-sdk/anthropic";
import { APICallError } from "@ai-sdk/provider";
import { Flow, Node } from "@sluice/core";
import { callLlm } from "@sluice/llm";
import { compressedClock } from "@sluice/llm/testing";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { Throttle } from "@sluice/throttle";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fromAiSdk, sluiceMiddleware } from "./index.js";

// Real HTTP: @ai-sdk/anthropic → the emulator on 127.0.0.1. One provider minute lasts one real
// second, and the throttles run on the same compressed clock.
const API_KEY = "sk-ant-ai-sdk-test-0123456789";
const TIME_SCALE = 60;
const PROMPT =
  "Summarize: Ferries cross the bay every hour. In winter the crossings are fewer. " +
  "Storms sometimes stop them. Passengers check the website first.";

let emu: Emulator;
let anthropic: ReturnType<typeof createAnthropic>;

beforeAll(async () => {
  emu = await startEmulator({ apiKeys: [API_KEY], timeScale: TIME_SCALE });
  anthropic = createAnthropic({ baseURL: `${emu.url}/v1`, apiKey: API_KEY });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.configure({
    limits: {
      requestsPerMinute: 10_000,
      inputTokensPerMinute: 10_000_000,
      outputTokensPerMinute: 10_000_000,
    },
    latency: { firstTokenMs: 0, perOutputTokenMs: 0 },
  });
  emu.reset();
});

const throttled = (options: ConstructorParameters<typeof Throttle>[0] = {}) =>
  new Throttle({ concurrency: 4, clock: compressedClock(TIME_SCALE), ...options });

describe("sluiceMiddleware with generateText over HTTP", () => {
  it("admits each call through the throttle and settles the reservation on the real usage", async () => {
    const throttle = throttled({ outputTokensPerMinute: 100_000 });
    try {
      const model = wrapLanguageModel({
        model: anthropic("claude-haiku-4-5"),
        middleware: sluiceMiddleware(throttle),
      });
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          generateText({ model, prompt: PROMPT, maxOutputTokens: 300, maxRetries: 0 }),
        ),
      );
      expect(results.every((result) => result.text.length > 0)).toBe(true);
      const stats = throttle.stats();
      expect(stats.succeeded).toBe(6);
      expect(stats.admitted.outputTokens).toBe(6 * 300);
      // Charged what the emulator really generated, not the 300 reserved per call.
      expect(stats.charged.outputTokens).toBe(emu.stats().outputTokens);
      expect(stats.charged.outputTokens).toBeLessThan(6 * 300);
      // The rate-limit headers of the responses taught the throttle the provider's limits.
      expect(stats.buckets.requests?.learned).toBe(true);
    } finally {
      await throttle.close();
    }
  });

  it("a 429 with retry-after is retried by the throttle after the wait; the AI SDK's own retries stay off", async () => {
    const throttle = throttled({ retry: { maxAttempts: 3 } });
    try {
      const model = wrapLanguageModel({
        model: anthropic("claude-haiku-4-5"),
        middleware: sluiceMiddleware(throttle),
      });
      emu.failNext("rate_limit", { retryAfterSeconds: 30 });
      const startedAt = performance.now();
      const result = await generateText({ model, prompt: PROMPT, maxOutputTokens: 100, maxRetries: 0 });
      expect(result.text.length).toBeGreaterThan(0);
      expect(emu.stats().byStatus).toMatchObject({ 200: 1, 429: 1 });
      expect(throttle.stats()).toMatchObject({ retries: 1, rateLimited: 1, succeeded: 1 });
      // retry-after 30 s on a 60× clock is 0.5 s of real time: the throttle waited at least that.
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(450);
    } finally {
      await throttle.close();
    }
  });

  it("529s are retried by the throttle, which also lowers its concurrency", async () => {
    const throttle = throttled({ retry: { maxAttempts: 4, initialDelayMs: 10 } });
    try {
      const model = wrapLanguageModel({
        model: anthropic("claude-haiku-4-5"),
        middleware: sluiceMiddleware(throttle),
      });
      emu.failNext("overloaded", { count: 2 });
      const result = await generateText({ model, prompt: PROMPT, maxOutputTokens: 100, maxRetries: 0 });
      expect(result.text.length).toBeGreaterThan(0);
      expect(emu.stats().byStatus).toMatchObject({ 200: 1, 529: 2 });
      expect(throttle.stats()).toMatchObject({ retries: 2, overloaded: 2, succeeded: 1 });
      expect(throttle.stats().concurrency).toBeLessThan(4);
    } finally {
      await throttle.close();
    }
  });

  it("without throttle retries the caller gets the AI SDK's APICallError, and each AI SDK retry is admitted again", async () => {
    const throttle = throttled();
    try {
      const model = wrapLanguageModel({
        model: anthropic("claude-haiku-4-5"),
        middleware: sluiceMiddleware(throttle),
      });
      emu.failNext("overloaded", { count: 5 });
      const error = await generateText({ model, prompt: PROMPT, maxOutputTokens: 50, maxRetries: 1 }).catch(
        (reason: unknown) => reason,
      );
      const last = (error as { lastError?: unknown }).lastError ?? error;
      expect(APICallError.isInstance(last)).toBe(true);
      expect((last as APICallError).statusCode).toBe(529);
      expect(throttle.stats()).toMatchObject({ submitted: 2, failed: 2, overloaded: 2 });
      expect(emu.stats().requests).toBe(2);
    } finally {
      await throttle.close();
    }
  });
});

describe("sluiceMiddleware with streamText over HTTP", () => {
  it("holds the throttle slot for the stream's life and settles on the finish part's usage", async () => {
    const throttle = throttled();
    try {
      const model = wrapLanguageModel({
        model: anthropic("claude-haiku-4-5"),
        middleware: sluiceMiddleware(throttle),
      });
      const result = streamText({ model, prompt: PROMPT, maxOutputTokens: 300, maxRetries: 0 });
      let text = "";
      for await (const delta of result.textStream) text += delta;
      expect(text.length).toBeGreaterThan(0);
      expect((await result.usage).outputTokens).toBe(emu.stats().outputTokens);
      const stats = throttle.stats();
      expect(stats).toMatchObject({ succeeded: 1, running: 0 });
      expect(stats.charged.outputTokens).toBe(emu.stats().outputTokens);
    } finally {
      await throttle.close();
    }
  });

  it("aborting mid-stream ends the stream, frees the slot, and nothing is sent again", async () => {
    emu.configure({ latency: { perOutputTokenMs: 40 } });
    const throttle = throttled({ retry: { maxAttempts: 3 } });
    try {
      const model = wrapLanguageModel({
        model: anthropic("claude-haiku-4-5"),
        middleware: sluiceMiddleware(throttle),
      });
      const controller = new AbortController();
      const result = streamText({
        model,
        prompt: PROMPT,
        maxOutputTokens: 300,
        maxRetries: 0,
        abortSignal: controller.signal,
      });
      const received: string[] = [];
      const reading = (async () => {
        for await (const delta of result.textStream) {
          received.push(delta);
          if (received.length === 1) controller.abort();
        }
      })();
      await reading.catch(() => {});
      expect(received.length).toBeGreaterThanOrEqual(1);
      await expect.poll(() => throttle.stats().running, { timeout: 10_000 }).toBe(0);
      expect(emu.stats().requests).toBe(1);
      expect(emu.stats().outputTokens).toBeLessThan(300);
      expect(throttle.stats().retries).toBe(0);
    } finally {
      await throttle.close();
    }
  });
});

it("a caller that cancels the stream early frees the slot, and nothing fails afterwards", async () => {
  emu.configure({ latency: { perOutputTokenMs: 20 } });
  const throttle = throttled();
  try {
    const model = wrapLanguageModel({
      model: anthropic("claude-haiku-4-5"),
      middleware: sluiceMiddleware(throttle),
    });
    const { stream } = await model.doStream({
      prompt: [{ role: "user", content: [{ type: "text", text: PROMPT }] }],
      maxOutputTokens: 300,
    });
    const reader = stream.getReader();
    let first = await reader.read();
    while (!first.done && first.value.type !== "text-delta") first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
    await expect.poll(() => throttle.stats().running, { timeout: 10_000 }).toBe(0);
    expect(emu.stats().requests).toBe(1);
  } finally {
    await throttle.close();
  }
});

describe("fromAiSdk inside Sluice", () => {
  it("a 429's status and headers reach the throttle through fromAiSdk: it pauses, retries and succeeds", async () => {
    const throttle = throttled({ retry: { maxAttempts: 3 } });
    try {
      const model = fromAiSdk(anthropic("claude-haiku-4-5"));
      emu.failNext("rate_limit", { retryAfterSeconds: 30 });
      const answer = await callLlm(PROMPT, { model, limiter: throttle, maxTokens: 100 });
      expect(answer.length).toBeGreaterThan(0);
      expect(throttle.stats()).toMatchObject({ rateLimited: 1, retries: 1, succeeded: 1 });
      expect(throttle.stats().buckets.requests?.learned).toBe(true);
      expect(emu.stats().byStatus).toMatchObject({ 200: 1, 429: 1 });
    } finally {
      await throttle.close();
    }
  });

  it("an AI SDK model in a Sluice flow, through callLlm and the throttle, keeps under the emulator's limits", async () => {
    // Tight limits: 8 calls of up to 200 output tokens cannot all start at once.
    emu.configure({ limits: { outputTokensPerMinute: 800 } });
    emu.reset();
    const throttle = throttled({ outputTokensPerMinute: 800, retry: { maxAttempts: 4 } });
    const model = fromAiSdk(anthropic("claude-haiku-4-5"));

    class Summarize extends Node<{ texts: string[]; summaries: string[] }> {
      override async prep(shared: { texts: string[] }) {
        return shared.texts;
      }
      override async exec(texts: string[]) {
        return Promise.all(
          texts.map((text) => callLlm(`Summarize: ${text}`, { model, limiter: throttle, maxTokens: 200 })),
        );
      }
      override async post(shared: { summaries: string[] }, _prep: unknown, summaries: string[]) {
        shared.summaries = summaries;
        return undefined;
      }
    }
    try {
      const shared = {
        texts: Array.from({ length: 8 }, (_, i) => `${PROMPT} Crossing ${i}.`),
        summaries: [] as string[],
      };
      await new Flow(new Summarize()).run(shared);
      expect(shared.summaries).toHaveLength(8);
      expect(shared.summaries.every((summary) => summary.length > 0)).toBe(true);
      // The throttle admitted calls as its output bucket refilled: the provider never had to refuse one.
      expect(emu.stats().rateLimited).toBe(0);
    } finally {
      await throttle.close();
    }
  });
});
