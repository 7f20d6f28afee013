import { callLlm, withLimiter } from "@sluice/llm";
import { compressedClock } from "@sluice/llm/testing";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { Throttle } from "@sluice/throttle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicModel } from "./index.js";

const API_KEY = "sk-ant-limiter-test-0123456789";
// One provider minute lasts one real second; the throttle runs on the same compressed clock.
const TIME_SCALE = 60;
const CALLS = 40;
const MAX_TOKENS = 200;

const prompt = (index: number) =>
  `Summarize: Ferries cross the bay every hour. Call ${index} asks about the timetable. ` +
  "In winter the crossings are fewer. Storms sometimes stop them. Passengers check the website first.";

describe("with @sluice/throttle through withLimiter", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({
      apiKeys: [API_KEY],
      timeScale: TIME_SCALE,
      // Tight: the output bucket holds 10 requests' worth of max_tokens per provider minute.
      limits: { requestsPerMinute: 120, inputTokensPerMinute: 6_000, outputTokensPerMinute: 2_000 },
      latency: { firstTokenMs: 1_500, perOutputTokenMs: 20 },
    });
  });
  afterAll(() => emu.close());

  it("callLlm takes the throttle as its limiter option", async () => {
    emu.reset();
    const throttle = new Throttle({
      concurrency: 4,
      clock: compressedClock(TIME_SCALE),
      retry: { maxAttempts: 4 },
    });
    try {
      const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY });
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          callLlm(prompt(i), { model, limiter: throttle, maxTokens: MAX_TOKENS }),
        ),
      );
      expect(answers.every((text) => text.length > 0)).toBe(true);
      expect(throttle.stats().succeeded).toBe(8);
    } finally {
      await throttle.close();
    }
  });

  it("the same kind of burst without a limiter runs into 429s (the limits are really tight)", async () => {
    // One request's worth of output per provider minute (one real second): however slowly a
    // loaded machine sends the burst, it cannot spread 40 calls over 40 seconds.
    emu.configure({ limits: { outputTokensPerMinute: MAX_TOKENS } });
    emu.reset();
    try {
      const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, maxRetries: 0 });
      const results = await Promise.allSettled(
        Array.from({ length: CALLS }, (_, i) =>
          model.generate({ messages: [{ role: "user", content: prompt(i) }], maxTokens: MAX_TOKENS }),
        ),
      );
      expect(results.filter((r) => r.status === "rejected").length).toBeGreaterThan(0);
      expect(emu.stats().rateLimited).toBeGreaterThan(0);
    } finally {
      emu.configure({ limits: { outputTokensPerMinute: 2_000 } });
      emu.reset();
    }
  });

  it(`${CALLS} concurrent calls all finish, with (near) zero 429s, limits learned from headers and usage reconciled`, async () => {
    emu.reset();
    const throttle = new Throttle({
      concurrency: 8,
      clock: compressedClock(TIME_SCALE),
      retry: { maxAttempts: 4 },
    });
    try {
      const model = withLimiter(createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY }), throttle);
      const responses = await Promise.all(
        Array.from({ length: CALLS }, (_, i) =>
          model.generate({ messages: [{ role: "user", content: prompt(i) }], maxTokens: MAX_TOKENS }),
        ),
      );
      expect(responses.every((response) => response.text.length > 0)).toBe(true);

      const truth = emu.stats();
      expect(truth.rateLimited).toBeLessThanOrEqual(2);
      // transportRetries: 0 under the limiter, so every HTTP request went through admission.
      expect(truth.requests).toBe(CALLS + truth.rateLimited + truth.overloaded);

      const stats = throttle.stats();
      expect(stats.succeeded).toBe(CALLS);
      // Nothing was configured but the concurrency: the limits came from anthropic-ratelimit-* headers.
      expect(stats.buckets.requests).toMatchObject({ perMinute: 120, learned: true });
      expect(stats.buckets.outputTokens).toMatchObject({ perMinute: 2_000, learned: true });
      expect(stats.buckets.inputTokens).toMatchObject({ perMinute: 6_000, learned: true });
      // Output was reserved at maxTokens and corrected to what was really generated.
      expect(stats.charged.outputTokens).toBeLessThan(CALLS * MAX_TOKENS);
      const generated = responses.reduce((sum, response) => sum + response.usage.outputTokens, 0);
      expect(stats.charged.outputTokens).toBe(generated);
    } finally {
      await throttle.close();
    }
  });
});
