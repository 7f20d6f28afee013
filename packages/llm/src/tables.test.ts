import { backoff, goDurations, quotaCodes, retryAfter } from "@sluice/test-tables";
import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";
import { parseGoDuration, retryAfterMsFromHeaders } from "./durations.js";
import { isQuotaFailure, QUOTA_ERROR_CODES } from "./quota.js";

// The shared tables every copy of these mechanisms passes (see tools/test-tables).

describe("go-durations.json", () => {
  it.each(goDurations.cases)("$input → $expectedMs ms", ({ input, expectedMs }) => {
    const parsed = parseGoDuration(input);
    if (expectedMs === null) expect(parsed).toBeUndefined();
    else expect(parsed).toBeCloseTo(expectedMs, 9);
  });
});

describe("retry-after.json", () => {
  it.each(retryAfter.cases)("$headers → $expectedMs ms", ({ headers, expectedMs }) => {
    expect(retryAfterMsFromHeaders(headers, retryAfter.nowMs)).toBe(expectedMs ?? undefined);
  });
});

describe("quota-codes.json", () => {
  it.each(quotaCodes.cases)("%o", ({ quota, ...signals }) => {
    expect(isQuotaFailure(signals)).toBe(quota);
  });

  it("knows exactly the table's listed codes", () => {
    expect([...QUOTA_ERROR_CODES].sort()).toEqual([...quotaCodes.knownCodes].sort());
  });
});

describe("backoff.json", () => {
  it.each(backoff.cases)("attempt $attempt, random $random → $expectedMs ms", (testCase) => {
    const { attempt, random, expectedMs, ...options } = testCase;
    expect(backoffDelayMs(attempt, { ...options, random: () => random })).toBeCloseTo(expectedMs, 9);
  });
});
