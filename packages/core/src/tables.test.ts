import { backoff } from "@sluice/test-tables";
import { describe, expect, it } from "vitest";
import { backoffDelayMs, RetryPolicy } from "./retry.js";

// The shared backoff table (tools/test-tables) that @sluice/llm passes too: core's dependency-free
// copy must compute every case the same way.

describe("backoff.json", () => {
  it.each(backoff.cases)("attempt $attempt, random $random → $expectedMs ms", (testCase) => {
    const { attempt, random, expectedMs, ...schedule } = testCase;
    expect(backoffDelayMs(attempt, { ...schedule, random: () => random })).toBeCloseTo(expectedMs, 9);
  });

  // RetryPolicy offers jitter on (full) or off: the table's jitter 1 and 0 cases, through the policy.
  it.each(backoff.cases.filter(({ jitter }) => jitter === 1 || jitter === 0))(
    "RetryPolicy: attempt $attempt, random $random, jitter $jitter → $expectedMs ms",
    ({ attempt, random, expectedMs, jitter, initialDelayMs, maxDelayMs, multiplier }) => {
      const policy = new RetryPolicy(
        { maxRetries: 100, backoff: { initialDelayMs, maxDelayMs, multiplier, jitter: jitter === 1 } },
        () => random,
      );
      expect(policy.delayMs(new Error("failed"), attempt)).toBeCloseTo(expectedMs, 9);
    },
  );
});
