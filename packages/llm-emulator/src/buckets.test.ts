import { describe, expect, it } from "vitest";
import { RateLimitBuckets, TokenBucket } from "./buckets.js";

describe("TokenBucket", () => {
  it("starts full, refills continuously and never exceeds its capacity", () => {
    const bucket = new TokenBucket(60, 1 / 1000, 0); // 60 per minute = 1 per second
    bucket.take(60, 0);
    expect(bucket.level(0)).toBe(0);
    expect(bucket.level(500)).toBeCloseTo(0.5);
    expect(bucket.level(30_000)).toBeCloseTo(30);
    expect(bucket.level(600_000)).toBe(60);
  });

  it("says how long until an amount fits, and that more than the capacity never fits", () => {
    const bucket = new TokenBucket(10, 0.01, 0);
    bucket.take(10, 0);
    expect(bucket.msUntil(3, 0)).toBeCloseTo(300);
    expect(bucket.msUntil(3, 100)).toBeCloseTo(200);
    expect(bucket.msUntil(11, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(bucket.msUntilFull(100)).toBeCloseTo(900);
  });

  it("caps refunds at the capacity", () => {
    const bucket = new TokenBucket(100, 0, 0);
    bucket.take(40, 0);
    bucket.give(1000, 0);
    expect(bucket.level(0)).toBe(100);
  });

  it("keeps its level, clipped, when reconfigured", () => {
    const bucket = new TokenBucket(100, 0, 0);
    bucket.take(30, 0);
    bucket.reconfigure(50, 0, 0);
    expect(bucket.level(0)).toBe(50);
    bucket.reconfigure(200, 0, 0);
    expect(bucket.level(0)).toBe(50);
  });
});

describe("RateLimitBuckets", () => {
  function make(limits: ConstructorParameters<typeof RateLimitBuckets>[0], timeScale = 1) {
    let now = 0;
    const buckets = new RateLimitBuckets(limits, timeScale, () => now);
    return { buckets, advance: (ms: number) => (now += ms) };
  }

  it("admits a charge only when every dimension holds it, and takes nothing on check", () => {
    const { buckets } = make({ requests: 10, inputTokens: 1000, outputTokens: 500 });
    expect(buckets.check({ requests: 1, inputTokens: 900, outputTokens: 400 }).admitted).toBe(true);
    buckets.take({ requests: 1, inputTokens: 900, outputTokens: 400 });
    const verdict = buckets.check({ requests: 1, inputTokens: 200, outputTokens: 50 });
    expect(verdict).toMatchObject({
      admitted: false,
      dimension: "inputTokens",
      neverFits: false,
      limit: 1000,
    });
    expect(buckets.snapshot("requests")?.remaining).toBe(9);
  });

  it("reports the longest wait over all short dimensions as retryAfterMs", () => {
    const { buckets } = make({ requests: 60, outputTokens: 600 });
    buckets.take({ requests: 60, outputTokens: 600 });
    const verdict = buckets.check({ requests: 1, outputTokens: 300 });
    // requests refill 1/s (1 s for one); output tokens 10/s (30 s for 300).
    expect(verdict).toMatchObject({ admitted: false, dimension: "outputTokens" });
    if (!verdict.admitted) expect(verdict.retryAfterMs).toBeCloseTo(30_000);
  });

  it("flags a charge above a limit as never fitting", () => {
    const { buckets } = make({ outputTokens: 1000 });
    const verdict = buckets.check({ outputTokens: 1001 });
    expect(verdict).toMatchObject({ admitted: false, neverFits: true, requested: 1001 });
  });

  it("compresses time: at timeScale 60 a minute's worth refills in one real second", () => {
    const { buckets, advance } = make({ requests: 120 }, 60);
    buckets.take({ requests: 120 });
    advance(500);
    expect(buckets.snapshot("requests")?.remaining).toBeCloseTo(60);
    advance(500);
    expect(buckets.snapshot("requests")?.remaining).toBeCloseTo(120);
  });

  it("treats absent limits as unlimited and drops a limit reconfigured to undefined", () => {
    const { buckets } = make({ requests: 1 });
    buckets.take({ requests: 1 });
    expect(buckets.check({ requests: 1, tokens: 1e9 }).admitted).toBe(false);
    buckets.reconfigure({ requests: undefined }, 1);
    expect(buckets.has("requests")).toBe(false);
    expect(buckets.check({ requests: 1 }).admitted).toBe(true);
  });
});
