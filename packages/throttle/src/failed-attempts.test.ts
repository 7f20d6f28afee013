// What each kind of failed attempt gives back, and whether it moves the concurrency cap, following
// the failed-attempt contract @sluice/llm's withLimiter implements: it reports what the provider
// counted (nothing reached it: all zero; refused with an error status: the request and input, no
// output; unknown outcome: nothing, so the whole reservation stays spent).
import { describe, expect, it } from "vitest";
import type { ThrottleEvents, ThrottleUsage, TransportFailure } from "./index.js";
import { FakeProviderError, outcome, sleep, virtualThrottle } from "./testing/virtual-time.js";

const limits = {
  concurrency: 4,
  requestsPerMinute: { perMinute: 600, burst: 10 },
  inputTokensPerMinute: { perMinute: 60_000, burst: 1_000 },
  outputTokensPerMinute: { perMinute: 60_000, burst: 1_000 },
};
const cost = { inputTokens: 300, outputTokens: 400 };

/** Runs one attempt that reports `usage` (if any) and then throws `error`; returns the throttle after. */
async function failOnce(error: unknown, usage: ThrottleUsage | undefined) {
  const { clock, throttle } = virtualThrottle(limits);
  const result = outcome(
    throttle.run(
      async ({ reportUsage }) => {
        await sleep(clock, 100);
        if (usage !== undefined) reportUsage(usage);
        throw error;
      },
      { cost },
    ),
  );
  await clock.advance(100);
  expect(await result).toEqual({ ok: false, error });
  return throttle.stats();
}

class TransportError extends Error {
  readonly retryable = true;
  constructor(readonly transportFailure: TransportFailure) {
    super(`connection failed: ${transportFailure}`);
  }
}

describe("failed attempts: the reservation", () => {
  it("gives everything back when nothing reached the provider (connection refused)", async () => {
    const stats = await failOnce(new TransportError("refused"), {
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
    });
    expect(stats.charged).toMatchObject({ requests: 0, inputTokens: 0, outputTokens: 0, tokens: 0 });
    // Levels are back where the refill put them: nothing of the attempt is still held.
    expect(stats.buckets.requests!.level).toBeCloseTo(10);
    expect(stats.buckets.inputTokens!.level).toBeCloseTo(1_000);
    expect(stats.buckets.outputTokens!.level).toBeCloseTo(1_000);
    expect(stats).toMatchObject({ transportFailures: 1, overloaded: 0, concurrency: 4 });
  });

  it("returns the output reservation of a 529 and syncs to the headers on the error", async () => {
    const overloaded = new FakeProviderError({
      status: 529,
      errorType: "overloaded_error",
      headers: { "anthropic-ratelimit-input-tokens-remaining": "650" },
    });
    const stats = await failOnce(overloaded, { requests: 1, inputTokens: 300, outputTokens: 0 });
    expect(stats.charged).toMatchObject({ requests: 1, inputTokens: 300, outputTokens: 0, tokens: 300 });
    expect(stats.buckets.outputTokens!.level).toBeCloseTo(1_000);
    // The provider said 650 input tokens were left: it is the truth for what was charged.
    expect(stats.buckets.inputTokens!.level).toBeCloseTo(650);
    expect(stats.overloaded).toBe(1);
  });

  it("returns the output reservation of a 5xx answered with headers", async () => {
    const serverError = new FakeProviderError({
      status: 500,
      errorType: "api_error",
      headers: { "anthropic-ratelimit-requests-remaining": "8" },
    });
    const stats = await failOnce(serverError, { requests: 1, inputTokens: 300, outputTokens: 0 });
    expect(stats.charged).toMatchObject({ requests: 1, inputTokens: 300, outputTokens: 0 });
    expect(stats.buckets.requests!.level).toBeCloseTo(8);
    expect(stats).toMatchObject({ serverErrors: 1, concurrency: 4 });
  });

  it("keeps the whole reservation when the outcome is unknown (reset after the request was sent)", async () => {
    const stats = await failOnce(new TransportError("reset_after_request"), undefined);
    expect(stats.charged).toMatchObject({ requests: 1, inputTokens: 300, outputTokens: 400, tokens: 700 });
    expect(stats.buckets.outputTokens!.level).toBeCloseTo(1_000 - 400 + 100); // 100 ms of refill
    expect(stats).toMatchObject({ transportFailures: 1, concurrency: 4 });
  });

  it("settles a stream cut mid-answer at the usage reported so far", async () => {
    const stats = await failOnce(new TransportError("stream_cut"), { inputTokens: 300, outputTokens: 120 });
    expect(stats.charged).toMatchObject({ requests: 1, inputTokens: 300, outputTokens: 120 });
    expect(stats).toMatchObject({ transportFailures: 1, concurrency: 4 });
  });

  it("counts a connection failure reported through observe once, and never moves the cap", async () => {
    const { throttle } = virtualThrottle({ concurrency: 4 });
    for (const transportFailure of [
      "refused",
      "reset_before_response",
      "reset_after_request",
      "stream_cut",
    ] as const)
      throttle.observe({ transportFailure });
    expect(throttle.stats()).toMatchObject({ transportFailures: 4, overloaded: 0, concurrency: 4 });
    expect(() => throttle.observe({ transportFailure: "gone" as never })).toThrow(/transportFailure/);
  });
});

describe("failed attempts: the concurrency cap", () => {
  it("retries a steady 10% of 529s promptly and keeps every slot busy", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 4, retry: { maxAttempts: 4 } });
    const changes: ThrottleEvents["concurrency"][] = [];
    throttle.on("concurrency", (event) => changes.push(event));
    let attempts = 0;
    let peak = 0;
    const runs = Array.from({ length: 100 }, (_, index) =>
      throttle.run(async () => {
        const attempt = ++attempts;
        peak = Math.max(peak, throttle.stats().running);
        await sleep(clock, 100);
        if (attempt % 10 === 0) throw new FakeProviderError({ status: 529, errorType: "overloaded_error" });
        return index;
      }),
    );
    await clock.advance(60_000);
    expect(await Promise.all(runs)).toHaveLength(100);
    expect(changes).toEqual([]);
    expect(peak).toBe(4);
    const stats = throttle.stats();
    expect(stats).toMatchObject({ succeeded: 100, failed: 0, retriesDenied: 0, concurrency: 4 });
    expect(stats.overloaded).toBeGreaterThanOrEqual(10);
    expect(stats.attempts).toBe(100 + stats.overloaded);
  });

  it("shrinks when refusals rise with our concurrency, and regrows one slot per success once they stop", async () => {
    const { clock, throttle } = virtualThrottle({
      concurrency: 16,
      retry: { maxAttempts: 20 },
      retryBudget: false,
    });
    const changes: ThrottleEvents["concurrency"][] = [];
    const changedAt: number[] = [];
    throttle.on("concurrency", (event) => {
      changes.push({ ...event });
      changedAt.push(clock.now());
    });
    let capacity = 2; // a provider that serves two calls at once and refuses the rest
    let inFlight = 0;
    const call = () =>
      throttle.run(async () => {
        inFlight++;
        const refused = inFlight > capacity;
        await sleep(clock, refused ? 10 : 100);
        inFlight--;
        if (refused) throw new FakeProviderError({ status: 529, errorType: "overloaded_error" });
      });
    const overloaded = Array.from({ length: 40 }, call);
    await clock.advance(30_000);
    await Promise.all(overloaded);
    const low = Math.min(...changes.map((change) => change.current));
    expect(low).toBeLessThanOrEqual(4);
    expect(changes.some((change) => change.reason === "overloaded")).toBe(true);

    capacity = Number.POSITIVE_INFINITY;
    await clock.advance(120_000); // the refusals fade from the window
    const before = throttle.stats().concurrency;
    expect(before).toBeLessThanOrEqual(4);
    changes.length = 0;
    changedAt.length = 0;
    const phaseStart = clock.now();
    const recovered = Array.from({ length: 200 }, call);
    await clock.advance(60_000);
    await Promise.all(recovered);
    expect(throttle.stats().concurrency).toBe(16);
    // One slot per success doubles the cap per 100 ms round of calls: back to 16 within four rounds
    // (one slot per cap's worth of successes would take a dozen).
    expect(Math.max(...changedAt) - phaseStart).toBeLessThanOrEqual(400);
    expect(changes.every((change) => change.reason === "recovered")).toBe(true);
  });
});
