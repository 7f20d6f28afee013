import { summarize as emulatorSummary } from "@sluice/llm-emulator";
import { describe, expect, it } from "vitest";
import { latencyTerms, lowerBound, predictRequests } from "./bound.js";

describe("lowerBound", () => {
  it("reproduces the worked example of limits-and-bounds.md (buckets start full)", () => {
    // RPM 1,000, ITPM 450,000, OTPM 90,000; n = 2,000; C = 64; mean input 2,035 and output 676 tokens;
    // latency 0.5 s + 15 ms per output token.
    const bound = lowerBound({
      requests: 2_000,
      inputTokens: 2_000 * 2_035,
      outputTokens: 2_000 * 676,
      latencySumMs: 2_000 * (500 + 15 * 676),
      latencyMinMs: 3_500,
      concurrency: 64,
      limits: { requestsPerMinute: 1_000, inputTokensPerMinute: 450_000, outputTokensPerMinute: 90_000 },
      minuteMs: 60_000,
    });
    expect(bound.limitedBy).toBe("output tokens");
    expect(bound.terms.concurrency / 1000).toBeCloseTo(332.5, 0);
    expect(bound.terms.requests / 1000).toBeCloseTo(63.5, 0);
    expect(bound.terms["input tokens"] / 1000).toBeCloseTo(486.2, 0);
    expect(bound.ms / 1000).toBeCloseTo(844.8, 0);
  });

  it("is the shortest latency alone when the work fits the first full bucket", () => {
    const bound = lowerBound({
      requests: 10,
      inputTokens: 1_000,
      outputTokens: 100,
      latencySumMs: 10,
      latencyMinMs: 7,
      concurrency: 100,
      limits: { requestsPerMinute: 60 },
      minuteMs: 1_000,
    });
    expect(bound.terms.requests).toBe(7);
    expect(bound.terms["input tokens"]).toBe(0);
  });

  it("scales the rate terms with the time compression and honours an explicit bucket capacity", () => {
    const input = {
      requests: 360,
      inputTokens: 0,
      outputTokens: 0,
      latencySumMs: 0,
      latencyMinMs: 0,
      concurrency: 16,
      limits: { requestsPerMinute: 60 },
    };
    expect(lowerBound({ ...input, minuteMs: 500 }).ms).toBe(2_500);
    expect(lowerBound({ ...input, minuteMs: 500, burst: { requestsPerMinute: 0 } }).ms).toBe(3_000);
  });
});

describe("predictRequests", () => {
  it("counts input as the emulator does and cuts output at max_tokens", () => {
    const prompt = "Rivers flood in spring. Farmers move cattle uphill. The bridge held. ".repeat(40);
    const [short] = predictRequests([prompt], 10_000, 1);
    expect(short!.inputTokens).toBe(Math.ceil(prompt.length / 4));
    expect(short!.outputTokens).toBe(
      Math.ceil(emulatorSummary(prompt, { seed: 1, ratio: 1 / 3 }).length / 4),
    );
    const [cut] = predictRequests([prompt], 5, 1);
    expect(cut!.outputTokens).toBe(5);
  });

  it("derives the latency terms from the emulator's latency model", () => {
    const scale = { timeScale: 10, latency: { firstTokenMs: 1_000, perOutputTokenMs: 10, jitter: 0.2 } };
    const terms = latencyTerms([100, 300], scale);
    expect(terms.latencySumMs).toBeCloseTo((2_000 + 4_000) / 10);
    expect(terms.latencyMinMs).toBeCloseTo((2_000 / 10) * 0.8);
  });
});
