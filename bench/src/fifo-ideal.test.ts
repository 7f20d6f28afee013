import { describe, expect, it } from "vitest";
import { latencyTerms, lowerBound, predictRequests } from "./bound.js";
import { fifoIdeal } from "./fifo-ideal.js";
import { makeDocuments, makespanWorkloads, promptFor } from "./workloads.js";

const quick = { timeScale: 60, latency: { firstTokenMs: 0, perOutputTokenMs: 0, jitter: 0 }, concurrency: 4 };

describe("fifoIdeal", () => {
  it("paces a request-bound batch at the refill after the first full bucket", () => {
    // 10 requests, 2 per minute (a minute lasts 1 s at k = 60), bucket of 2: 8 more at 500 ms each.
    const requests = Array.from({ length: 10 }, () => ({ inputTokens: 1, outputTokens: 1 }));
    const limits = { requestsPerMinute: 2, inputTokensPerMinute: 1_000, outputTokensPerMinute: 1_000 };
    expect(fifoIdeal(requests, 1, limits, quick)).toBeCloseTo(4_000, 6);
  });

  it("holds the output reservation until the call ends, then refunds the unused part", () => {
    // Calls of 0.5 s (30 s of provider time at k = 60); the output bucket holds 1,000 and refills
    // 1 per ms; each call reserves 1,000 and uses 10.
    const scale = { ...quick, latency: { firstTokenMs: 30_000, perOutputTokenMs: 0, jitter: 0 } };
    const limits = { requestsPerMinute: 1_000, inputTokensPerMinute: 1_000, outputTokensPerMinute: 1_000 };
    const requests = [
      { inputTokens: 1, outputTokens: 10 },
      { inputTokens: 1, outputTokens: 10 },
    ];
    // The second call starts when the first ends and refunds 990 (0.5 s), so both are done at 1 s:
    // not at 0.5 s (charging only the real output) nor at 1.5 s (refill alone, no refund).
    expect(fifoIdeal(requests, 1_000, limits, scale)).toBeCloseTo(1_000, 6);
  });

  it("on the makespan benchmark's workloads: near the bound on RPM and ITPM, 92% of it on OTPM", () => {
    const { scale, workloads } = makespanWorkloads(false);
    const shares = Object.fromEntries(
      ["rpm", "itpm", "otpm"].map((id) => {
        const workload = workloads.find((candidate) => candidate.id === id)!;
        const prompts = makeDocuments(workload.documents).map(promptFor);
        const predicted = predictRequests(prompts, workload.maxTokens, scale.seed);
        const bound = lowerBound({
          requests: predicted.length,
          inputTokens: predicted.reduce((sum, request) => sum + request.inputTokens, 0),
          outputTokens: predicted.reduce((sum, request) => sum + request.outputTokens, 0),
          ...latencyTerms(
            predicted.map((request) => request.outputTokens),
            scale,
          ),
          concurrency: scale.concurrency,
          limits: workload.limits,
          minuteMs: 60_000 / scale.timeScale,
        });
        return [id, bound.ms / fifoIdeal(predicted, workload.maxTokens, workload.limits, scale)];
      }),
    );
    expect(shares.rpm).toBeGreaterThan(0.99);
    expect(shares.itpm).toBeGreaterThan(0.99);
    expect(shares.otpm).toBeGreaterThan(0.91);
    expect(shares.otpm).toBeLessThan(0.93);
  });
});
