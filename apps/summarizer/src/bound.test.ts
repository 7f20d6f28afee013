import { describe, expect, it } from "vitest";
import { lowerBound } from "./bound.js";

describe("lowerBound", () => {
  it("reproduces the worked example of limits-and-bounds.md with bucket capacity 0", () => {
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
    expect(bound.terms["requests/min"]! / 1000).toBeCloseTo(120.5, 0);
    expect(bound.terms["input tokens/min"]! / 1000).toBeCloseTo(543.2, 0);
    expect(bound.ms / 1000).toBeCloseTo(901.8, 0);
  });

  it("applies a time scale and skips unknown limits", () => {
    const bound = lowerBound(
      { calls: 100, inputTokens: 0, outputTokens: 0, latencySumMs: 1_000, latencyMinMs: 10 },
      { concurrency: 10, requestsPerMinute: 50, minuteSeconds: 6 },
    );
    // 100 requests at 50 per 6 s: 12 s, plus the shortest call.
    expect(bound).toMatchObject({ limitedBy: "requests/min", ms: 12_010 });
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
