import { describe, expect, it } from "vitest";
import { makespanLowerBound } from "./makespan.js";

describe("makespanLowerBound", () => {
  // The worked example of the project's limits note: RPM 1,000, ITPM 450,000, OTPM 90,000; n = 2,000;
  // C = 64; mean input 2,035 and output 676 tokens; latency 0.5 s + 15 ms per output token.
  const work = {
    requests: 2_000,
    inputTokens: 2_000 * 2_035,
    outputTokens: 2_000 * 676,
    latencySumMs: 2_000 * (500 + 15 * 676),
    latencyMinMs: 3_500,
  };
  const limits = {
    concurrency: 64,
    requestsPerMinute: 1_000,
    inputTokensPerMinute: 450_000,
    outputTokensPerMinute: 90_000,
  };

  it("takes a full minute's burst at the start by default", () => {
    const bound = makespanLowerBound(work, limits);
    expect(bound.limitedBy).toBe("output tokens");
    expect(bound.terms.concurrency / 1000).toBeCloseTo(332.5, 0);
    expect(bound.terms.requests / 1000).toBeCloseTo(63.5, 0);
    expect(bound.terms["input tokens"] / 1000).toBeCloseTo(486.2, 0);
    expect(bound.ms / 1000).toBeCloseTo(844.8, 0);
  });

  it("gives the steady pace alone with empty buckets, and scales with a provider minute", () => {
    const empty = { requestsPerMinute: 0, inputTokensPerMinute: 0, outputTokensPerMinute: 0 };
    expect(makespanLowerBound(work, { ...limits, burst: empty }).ms / 1000).toBeCloseTo(904.8, 0);
    // 100 requests at 50 per 6 s, 50 of them at once: 6 s, plus the shortest call.
    const scaled = makespanLowerBound(
      { requests: 100, inputTokens: 0, outputTokens: 0, latencySumMs: 1_000, latencyMinMs: 10 },
      { concurrency: 10, requestsPerMinute: 50, minuteMs: 6_000 },
    );
    expect(scaled).toMatchObject({ limitedBy: "requests", ms: 6_010 });
  });

  it("is the shortest call or the concurrency term when the work fits the first buckets", () => {
    const small = makespanLowerBound(
      { requests: 10, inputTokens: 1_000, outputTokens: 100, latencySumMs: 4_000, latencyMinMs: 300 },
      { concurrency: 4, requestsPerMinute: 50, inputTokensPerMinute: 30_000 },
    );
    expect(small.terms).toMatchObject({ requests: 300, "input tokens": 300, "output tokens": 0 });
    expect(small).toMatchObject({ limitedBy: "concurrency", ms: 1_000 });
  });
});
