import { describe, expect, it } from "vitest";
import { QuotaExhaustedError, type ThrottleEvents } from "./index.js";
import {
  deferred,
  FakeProviderError,
  flush,
  outcome,
  sleep,
  virtualThrottle,
} from "./testing/virtual-time.js";

const anthropicHeaders = (now: number, fields: Record<string, string>) => ({
  "anthropic-ratelimit-requests-reset": new Date(now + 60_000).toISOString(),
  ...fields,
});

describe("rate-limit headers", () => {
  it("learns limits nobody configured and paces by them", async () => {
    const { clock, throttle } = virtualThrottle({ spendRemaining: false });
    const learned: ThrottleEvents["limit"][] = [];
    throttle.on("limit", (event) => learned.push(event));
    throttle.observe({
      status: 200,
      headers: anthropicHeaders(0, {
        "anthropic-ratelimit-requests-limit": "60",
        "anthropic-ratelimit-requests-remaining": "59",
        "anthropic-ratelimit-input-tokens-limit": "30000",
        "anthropic-ratelimit-input-tokens-remaining": "30000",
        "anthropic-ratelimit-output-tokens-limit": "8000",
        "anthropic-ratelimit-output-tokens-remaining": "8000",
        "anthropic-ratelimit-tokens-limit": "8000",
        "anthropic-ratelimit-tokens-remaining": "8000",
      }),
    });
    expect(learned.map((event) => event.dimension)).toEqual(["requests", "inputTokens", "outputTokens"]);
    const { buckets } = throttle.stats();
    expect(buckets.requests).toMatchObject({ perMinute: 60, burst: 1, learned: true });
    expect(buckets.inputTokens).toMatchObject({ perMinute: 30_000, burst: 500, learned: true });
    // Anthropic's tokens-* repeats the most restrictive of the two; it is not a third bucket.
    expect(buckets.tokens).toBeUndefined();
    const startedAt: number[] = [];
    const runs = Array.from({ length: 3 }, () => throttle.run(async () => startedAt.push(clock.now())));
    await clock.advance(5_000);
    await Promise.all(runs);
    expect(startedAt).toEqual([0, 1_000, 2_000]);
  });

  it("learns the combined tokens bucket from OpenAI-style headers with Go-duration resets", () => {
    const { throttle } = virtualThrottle();
    throttle.observe({
      status: 200,
      headers: new Headers({
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "150000",
        "x-ratelimit-remaining-tokens": "1000",
        "x-ratelimit-reset-tokens": "2m59.56s",
      }),
    });
    const { buckets } = throttle.stats();
    expect(buckets.requests).toMatchObject({ perMinute: 500, learned: true });
    // Learned, and the provider's remaining (1,000) is below the default burst (2,500).
    expect(buckets.tokens).toMatchObject({ perMinute: 150_000, burst: 2_500, level: 1_000, learned: true });
  });

  it("trusts the provider when it reports less remaining than counted locally, never more", () => {
    const { throttle } = virtualThrottle({
      inputTokensPerMinute: { perMinute: 600_000, burst: 10_000 },
      spendRemaining: false,
    });
    throttle.observe({ headers: { "anthropic-ratelimit-input-tokens-remaining": "2000" } });
    expect(throttle.stats().buckets.inputTokens!.level).toBe(2_000);
    throttle.observe({ headers: { "anthropic-ratelimit-input-tokens-remaining": "500000" } });
    expect(throttle.stats().buckets.inputTokens!.level).toBe(2_000);
  });

  it("spends the headroom the provider reports beyond the burst, less what it may not have counted", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 600, concurrency: 100 });
    expect(throttle.stats().buckets.requests).toMatchObject({ burst: 10, level: 10 });
    // Anthropic-style: the bucket allows a minute's burst and says so.
    throttle.observe({ headers: { "anthropic-ratelimit-requests-remaining": "599" } });
    expect(throttle.stats().buckets.requests!.level).toBe(599);
    // Its bucket evidently holds that much: ours may too, so refill missed by a late timer is kept.
    expect(throttle.stats().buckets.requests!.burst).toBe(599);
    const startedAt: number[] = [];
    const gate = deferred();
    const runs = Array.from({ length: 100 }, () =>
      throttle.run(async () => {
        startedAt.push(clock.now());
        await gate.promise;
      }),
    );
    await clock.advance(0);
    expect(startedAt).toHaveLength(100); // at once, instead of 10 and then one per 100 ms
    // A report while they run may not count them yet: what was admitted since the oldest running
    // attempt started is subtracted.
    throttle.observe({ headers: { "anthropic-ratelimit-requests-remaining": "599" } });
    expect(throttle.stats().buckets.requests!.level).toBe(499);
    gate.resolve();
    await Promise.all(runs);
    // Once they have all answered, the provider has counted them.
    throttle.observe({ headers: { "anthropic-ratelimit-requests-remaining": "520" } });
    expect(throttle.stats().buckets.requests!.level).toBe(520);
  });

  it("allows for Anthropic's rounding of token headers, and never raises above the limit", () => {
    const { throttle } = virtualThrottle({ inputTokensPerMinute: 60_000 });
    throttle.observe({ headers: { "anthropic-ratelimit-input-tokens-remaining": "40000" } });
    expect(throttle.stats().buckets.inputTokens!.level).toBe(39_500);
    throttle.observe({ headers: { "anthropic-ratelimit-input-tokens-remaining": "30000" } });
    expect(throttle.stats().buckets.inputTokens!.level).toBe(30_000);
    throttle.observe({ headers: { "anthropic-ratelimit-input-tokens-remaining": "90001" } });
    expect(throttle.stats().buckets.inputTokens!.level).toBe(60_000);
  });

  it("keeps to the burst when the provider sends no remaining headers", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 600 });
    throttle.observe({ status: 200, headers: { "request-id": "req_1" } });
    const startedAt: number[] = [];
    const runs = Array.from({ length: 12 }, () => throttle.run(async () => startedAt.push(clock.now())));
    await clock.advance(1_000);
    await Promise.all(runs);
    expect(startedAt.filter((at) => at === 0)).toHaveLength(10);
    expect(startedAt.slice(10)).toEqual([100, 200]);
  });

  it("adopts a provider limit below the configured one, and ignores a higher one", () => {
    const { throttle } = virtualThrottle({ requestsPerMinute: 1_000 });
    throttle.observe({ headers: { "x-ratelimit-limit-requests": "5000" } });
    expect(throttle.stats().buckets.requests!.perMinute).toBe(1_000);
    throttle.observe({ headers: { "x-ratelimit-limit-requests": "600" } });
    expect(throttle.stats().buckets.requests).toMatchObject({ perMinute: 600, burst: 10, learned: false });
  });

  it("does not learn limits when learnLimits is false, but still trusts a lower remaining", () => {
    const { throttle } = virtualThrottle({
      learnLimits: false,
      requestsPerMinute: { perMinute: 600, burst: 10 },
    });
    throttle.observe({
      headers: { "x-ratelimit-limit-tokens": "1000", "x-ratelimit-remaining-requests": "3" },
    });
    expect(throttle.stats().buckets.tokens).toBeUndefined();
    expect(throttle.stats().buckets.requests!.level).toBe(3);
  });

  it("reads the headers carried by an error a task throws", async () => {
    const { throttle } = virtualThrottle();
    const error = new FakeProviderError({
      status: 400,
      headers: { "x-ratelimit-limit-requests": "120", "x-ratelimit-remaining-requests": "0" },
    });
    await outcome(
      throttle.run(async () => {
        throw error;
      }),
    );
    expect(throttle.stats().buckets.requests).toMatchObject({ perMinute: 120, level: 0 });
  });
});

describe("429 rate limits", () => {
  it("pauses every admission until retry-after plus jitter", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 4 });
    const pauses: ThrottleEvents["pause"][] = [];
    throttle.on("pause", (event) => pauses.push(event));
    throttle.observe({ status: 429, headers: { "retry-after": "10" }, errorType: "rate_limit_error" });
    // random() = 0.5, jitter cap min(1 s, 20% of 10 s): 500 ms.
    expect(pauses).toEqual([{ reason: "rate_limited", until: 10_500, retryAfterMs: 10_000 }]);
    expect(throttle.stats()).toMatchObject({
      pausedUntil: 10_500,
      pauseReason: "rate_limited",
      rateLimited: 1,
    });
    const startedAt: number[] = [];
    const runs = Array.from({ length: 3 }, () => throttle.run(async () => startedAt.push(clock.now())));
    await clock.advance(10_499);
    expect(startedAt).toEqual([]);
    await clock.advance(1);
    await Promise.all(runs);
    expect(startedAt).toEqual([10_500, 10_500, 10_500]);
    expect(throttle.stats().pausedUntil).toBeUndefined();
  });

  it("prefers retry-after-ms, and pauses one second when a rate-limit 429 names no wait", () => {
    const { throttle } = virtualThrottle({ random: () => 0 });
    throttle.observe({ status: 429, headers: { "retry-after-ms": "2500", "retry-after": "3" } });
    expect(throttle.stats().pausedUntil).toBe(2_500);
    const second = virtualThrottle({ random: () => 0 }).throttle;
    second.observe({ status: 429, errorCode: "rate_limit_exceeded" });
    expect(second.stats().pausedUntil).toBe(1_000);
  });

  it("pauses when a task throws a rate-limit error, and counts it once when also observed", async () => {
    const { clock, throttle } = virtualThrottle({ random: () => 0 });
    const error = new FakeProviderError({ status: 429, retryAfterMs: 3_000, errorType: "rate_limit_error" });
    const result = await outcome(
      throttle.run(async () => {
        // As @sluice/llm's wiring does: observe the failure, then rethrow it.
        throttle.observe({ status: 429, retryAfterMs: 3_000, errorType: "rate_limit_error" });
        throw error;
      }),
    );
    expect(result).toEqual({ ok: false, error });
    expect(throttle.stats()).toMatchObject({ rateLimited: 1, pausedUntil: 3_000 });
    await clock.runAll();
  });
});

describe("acceleration 429 (ramp_limit_exceeded)", () => {
  it("pauses, then caps the request rate at half the recent rate and lets it regrow", async () => {
    const { clock, throttle } = virtualThrottle({ random: () => 0 });
    // Ten requests per second for 20 s.
    for (let tick = 0; tick < 200; tick++) {
      void throttle.run(async () => {});
      await clock.advance(100);
    }
    const ramps: number[] = [];
    throttle.on("ramp", ({ requestsPerMinute }) => ramps.push(requestsPerMinute));
    throttle.observe({ status: 429, errorCode: "ramp_limit_exceeded", retryAfterMs: 1_000 });
    expect(throttle.stats()).toMatchObject({ rateLimited: 1, rampLimited: 1, pauseReason: "ramp_limited" });
    expect(ramps).toHaveLength(1);
    expect(ramps[0]).toBeGreaterThan(200); // about half of the recent 600 per minute
    expect(ramps[0]).toBeLessThan(320);

    const engagedAt = clock.now();
    const startedAt: number[] = [];
    const runs = Array.from({ length: 400 }, () => throttle.run(async () => startedAt.push(clock.now())));
    await clock.advance(11_000);
    // The 1 s pause, then 10 s under the brake.
    const inFirstTenSeconds = startedAt.filter((time) => time < engagedAt + 11_000).length;
    expect(inFirstTenSeconds).toBeGreaterThan(30);
    expect(inFirstTenSeconds).toBeLessThan(70); // 10/s before; about 5/s allowed, growing slowly
    expect(throttle.stats().rampRequestsPerMinute).toBeGreaterThan(ramps[0]!);
    await clock.advance(180_000);
    await Promise.all(runs);
    expect(throttle.stats().rampRequestsPerMinute).toBeUndefined();
  });
});

describe("capacity errors (AIMD)", () => {
  it("halves concurrency once per overload, then regrows it additively", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 8 });
    const changes: ThrottleEvents["concurrency"][] = [];
    throttle.on("concurrency", (event) => changes.push(event));
    const overloaded = new FakeProviderError({ status: 529, errorType: "overloaded_error" });
    const failing = Array.from({ length: 8 }, () =>
      outcome(
        throttle.run(async () => {
          await sleep(clock, 100);
          throw overloaded;
        }),
      ),
    );
    await clock.advance(100);
    await Promise.all(failing);
    // Eight calls failed from one overload; only the first reduced the cap.
    expect(changes).toEqual([{ previous: 8, current: 4, reason: "overloaded" }]);
    expect(throttle.stats()).toMatchObject({ concurrency: 4, overloaded: 8 });

    let running = 0;
    let peak = 0;
    const work = Array.from({ length: 200 }, () =>
      throttle.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(clock, 100);
        running--;
      }),
    );
    await clock.advance(100);
    expect(peak).toBe(4);
    await clock.advance(20_000);
    await Promise.all(work);
    expect(throttle.stats().concurrency).toBe(8);
    expect(changes.filter((change) => change.reason === "recovered").map((change) => change.current)).toEqual(
      [5, 6, 7, 8],
    );
  });

  it("treats 503 and a mid-stream overloaded_error as capacity errors, and starts from in-flight calls", async () => {
    const { clock, throttle } = virtualThrottle();
    expect(throttle.stats().concurrency).toBe(Number.POSITIVE_INFINITY);
    const gates = Array.from({ length: 6 }, () => deferred());
    const runs = gates.map((gate) => outcome(throttle.run(() => gate.promise)));
    await flush();
    throttle.observe({ status: 503 });
    expect(throttle.stats().concurrency).toBe(3); // half of the six in flight
    await clock.advance(2_000);
    throttle.observe({ errorType: "overloaded_error" }); // after HTTP 200, in the stream
    expect(throttle.stats().concurrency).toBe(1);
    for (const gate of gates) gate.resolve();
    await Promise.all(runs);
    expect(throttle.stats().overloaded).toBe(2);
  });

  it("keeps the cap when adaptiveConcurrency is false", () => {
    const { throttle } = virtualThrottle({ concurrency: 8, adaptiveConcurrency: false });
    throttle.observe({ status: 529 });
    expect(throttle.stats()).toMatchObject({ concurrency: 8, overloaded: 1 });
  });
});

describe("spend caps and quotas", () => {
  it.each([
    ["a 429 with no retry-after", { status: 429, errorType: "rate_limit_error" }],
    [
      "insufficient_quota, even with retry-after",
      { status: 429, errorCode: "insufficient_quota", retryAfterMs: 1_000 },
    ],
    ["a spend limit code", { status: 429, errorCode: "enforced_spend_limit_reached" }],
    [
      "an Anthropic error body",
      {
        status: 429,
        body: '{"type":"error","error":{"type":"rate_limit_error","details":{"error_code":"workspace_spend_limit_reached"}}}',
      },
    ],
    [
      "an OpenAI error body",
      { status: 429, body: { error: { code: "insufficient_quota", type: "insufficient_quota" } } },
    ],
  ])("halts on %s: queued jobs fail at once, new ones until resume()", async (_name, feedback) => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60 });
    const quotaEvents: unknown[] = [];
    throttle.on("quota", (event) => quotaEvents.push(event));
    const first = throttle.run(async () => "first");
    const queued = outcome(throttle.run(async () => "queued"));
    throttle.observe(feedback);
    const result = await queued;
    expect((result as { error: unknown }).error).toBeInstanceOf(QuotaExhaustedError);
    expect((result as { error: QuotaExhaustedError }).error).toMatchObject({
      code: "quota_exceeded",
      retryable: false,
    });
    const refused = await outcome(throttle.run(async () => "refused"));
    expect((refused as { error: unknown }).error).toBeInstanceOf(QuotaExhaustedError);
    expect(throttle.stats()).toMatchObject({ halted: true, quotaExhausted: 1, rateLimited: 0 });
    expect(quotaEvents).toHaveLength(1);
    throttle.resume();
    await clock.advance(1_000);
    expect(await throttle.run(async () => "after resume")).toBe("after resume");
    expect(await first).toBe("first");
  });

  it("fails the job that hit a quota at once, never retried, even with retries on", async () => {
    const { clock, throttle } = virtualThrottle({ retry: { maxAttempts: 5 }, haltOnQuota: false });
    let attempts = 0;
    const spendCap = new FakeProviderError({ status: 429, errorType: "rate_limit_error" });
    const result = await outcome(
      throttle.run(async () => {
        attempts++;
        throw spendCap;
      }),
    );
    await clock.runAll();
    expect(attempts).toBe(1);
    const error = (result as { error: QuotaExhaustedError }).error;
    expect(error).toBeInstanceOf(QuotaExhaustedError);
    expect(error.cause).toBe(spendCap);
    expect(error.status).toBe(429);
    expect(throttle.stats()).toMatchObject({ halted: false, retries: 0 });
  });

  it("passes on a quota error that already says it is not retryable", async () => {
    const { throttle } = virtualThrottle({ retry: true });
    const quota = new FakeProviderError({ status: 429, errorCode: "insufficient_quota", retryable: false });
    const result = await outcome(
      throttle.run(async () => {
        throw quota;
      }),
    );
    expect(result).toEqual({ ok: false, error: quota });
  });
});
