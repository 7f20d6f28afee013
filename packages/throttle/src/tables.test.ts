import { backoff, goDurations, quotaCodes, retryAfter } from "@sluice/test-tables";
import { describe, expect, it } from "vitest";
import { parseGoDuration, parseRateLimitHeaders } from "./headers.js";
import { isQuotaFailure, QUOTA_ERROR_CODES } from "./quota.js";
import { backoffDelayMs } from "./retry.js";

// The shared tables (tools/test-tables) that @sluice/llm passes too: this package's dependency-free
// copies must read every case the same way.

describe("go-durations.json", () => {
  it.each(goDurations.cases)("$input → $expectedMs ms", ({ input, expectedMs }) => {
    const parsed = parseGoDuration(input);
    if (expectedMs === null) expect(parsed).toBeUndefined();
    else expect(parsed).toBeCloseTo(expectedMs, 9);
  });
});

describe("retry-after.json", () => {
  it.each(retryAfter.cases)("$headers → $expectedMs ms", ({ headers, expectedMs }) => {
    const parsed = parseRateLimitHeaders(headers, retryAfter.nowMs);
    expect(parsed?.retryAfterMs).toBe(expectedMs ?? undefined);
  });
});

describe("quota-codes.json", () => {
  it.each(quotaCodes.cases)("%o", ({ quota, status, errorType, errorCode }) => {
    expect(isQuotaFailure(status, errorType, errorCode)).toBe(quota);
  });

  it("knows exactly the table's listed codes", () => {
    expect([...QUOTA_ERROR_CODES].sort()).toEqual([...quotaCodes.knownCodes].sort());
  });
});

describe("backoff.json", () => {
  it.each(backoff.cases)("attempt $attempt, random $random → $expectedMs ms", (testCase) => {
    const { attempt, random, expectedMs, ...schedule } = testCase;
    expect(backoffDelayMs(attempt, { ...schedule, random: () => random })).toBeCloseTo(expectedMs, 9);
  });
});
