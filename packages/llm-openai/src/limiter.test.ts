import { callLlm, totalInputTokens, withLimiter } from "@sluice/llm";
import { compressedClock } from "@sluice/llm/testing";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { Throttle } from "@sluice/throttle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleModel } from "./index.js";

const API_KEY = "sk-openai-limiter-test-0123456789";
// One provider minute lasts one real second; the throttle runs on the same compressed clock.
const TIME_SCALE = 60;
const MAX_TOKENS = 200;
const LATENCY = { firstTokenMs: 1_000, perOutputTokenMs: 10 };

const prompt = (index: number) =>
  `Summarize: Ferries cross the bay every hour. Call ${index} asks about the timetable. ` +
  "In winter the crossings are fewer. Storms sometimes stop them. Passengers check the website first.";

const ask = (index: number) => ({
  messages: [{ role: "user" as const, content: prompt(index) }],
  maxTokens: MAX_TOKENS,
});

describe("OpenAI limits: x-ratelimit-* headers teach @sluice/throttle the requests and tokens buckets", () => {
  const CALLS = 30;
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({
      apiKeys: [API_KEY],
      timeScale: TIME_SCALE,
      // One tokens bucket, charged max(max_tokens, input) up front: 12 calls' worth per provider minute.
      limits: { requestsPerMinute: 120, tokensPerMinute: 2_400 },
      latency: LATENCY,
    });
  });
  afterAll(() => emu.close());

  it("the same burst without a limiter runs into 429s (the limits are really tight)", async () => {
    emu.reset();
    // The same per-minute limits on an uncompressed clock: the tokens bucket holds 12 calls and wins
    // back one every 5 s, so the burst meets 429s unless it is spread over more than a minute and a
    // half. At TIME_SCALE it wins back one every 83 ms, and a loaded machine spread the 30 requests
    // out enough for the bucket to keep up.
    emu.configure({ timeScale: 1, latency: { firstTokenMs: 0, perOutputTokenMs: 0 } });
    try {
      const model = createOpenAICompatibleModel({
        baseURL: `${emu.url}/v1`,
        apiKey: API_KEY,
        model: "m",
        maxRetries: 0,
      });
      const results = await Promise.allSettled(
        Array.from({ length: CALLS }, (_, i) => model.generate(ask(i))),
      );
      const rejected = results.filter((r) => r.status === "rejected").length;
      expect(rejected).toBeGreaterThan(0);
      expect(emu.stats()).toMatchObject({ rateLimited: rejected, admitted: CALLS - rejected });
    } finally {
      emu.configure({ timeScale: TIME_SCALE, latency: LATENCY });
    }
  });

  it(`${CALLS} concurrent calls all finish under withLimiter with (near) zero 429s: the throttle charges tokens as the server does`, async () => {
    emu.reset();
    const throttle = new Throttle({
      concurrency: 8,
      clock: compressedClock(TIME_SCALE),
      retry: { maxAttempts: 5 },
    });
    try {
      const model = withLimiter(
        createOpenAICompatibleModel({ baseURL: `${emu.url}/v1`, apiKey: API_KEY, model: "m" }),
        throttle,
      );
      const responses = await Promise.all(Array.from({ length: CALLS }, (_, i) => model.generate(ask(i))));
      expect(responses.every((response) => response.text.length > 0)).toBe(true);

      const truth = emu.stats();
      // The model declares rateLimitAccounting "charge-reserved", so the throttle keeps what it
      // reserved instead of refunding down to the real usage, and admits no more than the server
      // takes. Measured: 0 of 30 (it was 10 to 11 while usage was refunded); 2 leaves room for a
      // loaded machine's timing.
      expect(truth.rateLimited).toBeLessThanOrEqual(2);
      // transportRetries: 0 under the limiter, so every HTTP request went through admission.
      expect(truth.requests).toBe(CALLS + truth.rateLimited + truth.overloaded);
      expect(truth.admitted).toBe(CALLS);
      const prompts = responses.map((response) => totalInputTokens(response.usage));
      expect(prompts.reduce((sum, tokens) => sum + tokens, 0)).toBe(truth.inputTokens);

      const stats = throttle.stats();
      expect(stats.succeeded).toBe(CALLS);
      // Nothing was configured but the concurrency: the limits came from x-ratelimit-* headers.
      expect(stats.buckets.requests).toMatchObject({ perMinute: 120, learned: true });
      expect(stats.buckets.tokens).toMatchObject({ perMinute: 2_400, learned: true });
      // The throttle's tokens bucket holds what the server charged: max(max_tokens, prompt) for each
      // admitted call, nothing refunded, plus the reservation (max_tokens here) of any attempt refused.
      const serverCharged = prompts.reduce((sum, tokens) => sum + Math.max(MAX_TOKENS, tokens), 0);
      expect(stats.charged.tokens).toBe(serverCharged + truth.rateLimited * MAX_TOKENS);
    } finally {
      await throttle.close();
    }
  });

  it("callLlm takes the throttle as its limiter option", async () => {
    emu.reset();
    const throttle = new Throttle({
      concurrency: 4,
      clock: compressedClock(TIME_SCALE),
      retry: { maxAttempts: 5 },
    });
    try {
      const model = createOpenAICompatibleModel({ baseURL: `${emu.url}/v1`, apiKey: API_KEY, model: "m" });
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          callLlm(prompt(i), { model, limiter: throttle, maxTokens: MAX_TOKENS }),
        ),
      );
      expect(answers.every((text) => text.length > 0)).toBe(true);
      expect(throttle.stats().succeeded).toBe(6);
    } finally {
      await throttle.close();
    }
  });
});

describe("a local server: no rate-limit headers at all, a concurrency cap answered with 503", () => {
  const CALLS = 16;
  const SERVER_SLOTS = 2;
  const LOCAL_LATENCY = { firstTokenMs: 150, perOutputTokenMs: 1 };
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({
      rateLimitHeaders: false,
      limits: { maxConcurrency: SERVER_SLOTS },
      latency: LOCAL_LATENCY,
    });
  });
  afterAll(() => emu.close());

  it("responses carry no x-ratelimit headers and 503 is an OverloadedError", async () => {
    emu.reset();
    const model = createOpenAICompatibleModel({
      preset: "ollama",
      baseURL: `${emu.url}/v1`,
      model: "llama3.2",
      maxRetries: 0,
    });
    const response = await model.generate(ask(0));
    expect(Object.keys(response.http?.headers ?? {}).filter((name) => name.startsWith("x-"))).toEqual([]);
    // Each answer holds its slot for 3 s here, not 150 ms: a loaded machine can spread six requests
    // over 150 ms, and then a slot is free again for each one and no 503 comes.
    emu.configure({ latency: { firstTokenMs: 3_000 } });
    try {
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => model.generate(ask(i))));
      const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((error) => error.code === "overloaded" && error.status === 503)).toBe(true);
    } finally {
      emu.configure({ latency: LOCAL_LATENCY });
    }
  });

  it(`${CALLS} calls all finish under a Throttle: it falls back to an adaptive concurrency cap`, async () => {
    emu.reset();
    // Asked for 8 at once; the server has 2 slots. Each 503 halves the throttle's cap (AIMD); the
    // retry budget is raised because this test starts with a burst four times the server's size.
    // Answers hold their slot for 600 ms (not 150) so that a loaded machine cannot spread the first
    // burst of 8 out enough for every request to find a free slot, which would leave no 503 to learn from.
    emu.configure({ latency: { firstTokenMs: 600 } });
    const throttle = new Throttle({
      concurrency: 8,
      retry: { maxAttempts: 8 },
      retryBudget: { minRetries: 100 },
    });
    try {
      const model = withLimiter(
        createOpenAICompatibleModel({ preset: "ollama", baseURL: `${emu.url}/v1`, model: "llama3.2" }),
        throttle,
      );
      const responses = await Promise.all(Array.from({ length: CALLS }, (_, i) => model.generate(ask(i))));
      expect(responses.every((response) => response.text.length > 0)).toBe(true);

      const truth = emu.stats();
      // The throttle never sent more at once than asked for; the emulator kept generation within its slots.
      expect(truth.maxConcurrent).toBeLessThanOrEqual(8);
      expect(truth.overloaded).toBeGreaterThan(0);
      expect(truth.requests).toBe(CALLS + truth.overloaded);

      const stats = throttle.stats();
      expect(stats.succeeded).toBe(CALLS);
      expect(stats.overloaded).toBe(truth.overloaded);
      // No headers: nothing was learned but the concurrency the server can take.
      expect(Object.keys(stats.buckets)).toEqual([]);
      expect(stats.concurrency).toBeLessThan(8);
    } finally {
      await throttle.close();
      emu.configure({ latency: LOCAL_LATENCY });
    }
  });
});
