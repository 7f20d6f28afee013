import { describe, expect, it } from "vitest";
import { lowerBound } from "./bound.js";

describe("lowerBound", () => {
  it("reproduces the worked example of limits-and-bounds.md, buckets full at the start", () => {
    // n = 2,000; mean output 676 tokens; latency 0.5 s + 15 ms per output token; C = 64.
    const latency = 500 + 15 * 676;
    const bound = lowerBound(
      {
        calls: 2_000,
        inputTokens: 2_000 * 2_035,
        outputTokens: 2_000 * 676,
        latencySumMs: 2_000 * latency,
        latencyMinMs: 500,
      },
      {
        concurrency: 64,
        requestsPerMinute: 1_000,
        inputTokensPerMinute: 450_000,
        outputTokensPerMinute: 90_000,
      },
    );
    expect(bound.limitedBy).toBe("output tokens/min");
    expect(bound.terms.concurrency! / 1000).toBeCloseTo(332.5, 0);
    // A minute's worth of each bucket is free at the start: 1,000 requests after the first 1,000.
    expect(bound.terms["requests/min"]! / 1000).toBeCloseTo(60.5, 0);
    expect(bound.terms["input tokens/min"]! / 1000).toBeCloseTo(483.2, 0);
    expect(bound.ms / 1000).toBeCloseTo(841.8, 0);
  });

  it("never puts a small run faster than possible: what fits the first buckets is bound by its calls", () => {
    // 12 calls, 20k input tokens under 30k ITPM: all of it is admitted at once after a quiet spell,
    // so the bound is the concurrency term, not 40 s of refill (the old bound, which a run "beat").
    const bound = lowerBound(
      { calls: 12, inputTokens: 20_000, outputTokens: 3_000, latencySumMs: 12 * 4_000, latencyMinMs: 2_000 },
      { concurrency: 8, requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 },
    );
    expect(bound).toMatchObject({ limitedBy: "concurrency", ms: 6_000 });
    expect(bound.terms["input tokens/min"]).toBe(2_000);
  });

  it("applies a time scale and skips unknown limits", () => {
    const bound = lowerBound(
      { calls: 100, inputTokens: 0, outputTokens: 0, latencySumMs: 1_000, latencyMinMs: 10 },
      { concurrency: 10, requestsPerMinute: 50, minuteSeconds: 6 },
    );
    // 100 requests at 50 per 6 s, the first 50 at once: 6 s, plus the shortest call.
    expect(bound).toMatchObject({ limitedBy: "requests/min", ms: 6_010 });
    expect(Object.keys(bound.terms)).toEqual(["concurrency", "requests/min"]);
    expect(
      lowerBound(
        { calls: 1, inputTokens: 1, outputTokens: 1, latencySumMs: 400, latencyMinMs: 400 },
        { concurrency: 4 },
      ),
    ).toMatchObject({
      limitedBy: "concurrency",
      ms: 100,
    });
  });
});
