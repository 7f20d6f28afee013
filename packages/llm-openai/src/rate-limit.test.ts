import { parseGoDuration } from "@sluice/llm";
import { describe, expect, it } from "vitest";
import { rateLimitWaitMs } from "./rate-limit.js";

describe("parseGoDuration", () => {
  it("reads the durations OpenAI sends", () => {
    expect(parseGoDuration("1s")).toBe(1000);
    expect(parseGoDuration("6m0s")).toBe(360_000);
    expect(parseGoDuration("2m59.56s")).toBeCloseTo(179_560, 6);
    expect(parseGoDuration("20ms")).toBe(20);
    expect(parseGoDuration("1h0m0s")).toBe(3_600_000);
    expect(parseGoDuration("1.5µs")).toBeCloseTo(0.0015, 9);
    expect(parseGoDuration("0s")).toBe(0);
    expect(parseGoDuration("7")).toBe(7000);
  });

  it("refuses what is not a duration", () => {
    for (const text of [undefined, "", "soon", "5 minutes", "-1s", "1d", "1s garbage"]) {
      expect(parseGoDuration(text), String(text)).toBeUndefined();
    }
  });
});

describe("rateLimitWaitMs", () => {
  const headers = {
    "x-ratelimit-limit-requests": "60",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": "1m0s",
    "x-ratelimit-limit-tokens": "10000",
    "x-ratelimit-remaining-tokens": "2000",
    "x-ratelimit-reset-tokens": "48s",
  };

  it("waits for one request's refill, not for the whole bucket", () => {
    expect(rateLimitWaitMs(headers, { dimension: "requests" })).toBe(1000);
  });

  it("waits until the tokens bucket holds the call", () => {
    // 8,000 missing tokens refill in 48 s: 6 ms per token; 3,000 needed, 2,000 there → 6 s.
    expect(rateLimitWaitMs(headers, { dimension: "tokens", tokensNeeded: 3000 })).toBe(6000);
    // More than the whole limit: the full reset is the best answer there is.
    expect(rateLimitWaitMs(headers, { dimension: "tokens", tokensNeeded: 20_000 })).toBe(48_000);
  });

  it("without a named dimension, considers only buckets too low for the call", () => {
    expect(rateLimitWaitMs(headers, {})).toBe(1000);
    expect(rateLimitWaitMs(headers, { tokensNeeded: 3000 })).toBe(6000);
  });

  it("is undefined when the headers say nothing", () => {
    expect(rateLimitWaitMs({}, { dimension: "requests" })).toBeUndefined();
    expect(rateLimitWaitMs({ "x-ratelimit-reset-requests": "later" }, {})).toBeUndefined();
  });

  it("falls back to the reset when limit or remaining are missing", () => {
    expect(rateLimitWaitMs({ "x-ratelimit-reset-tokens": "2.5s" }, { dimension: "tokens" })).toBe(2500);
  });
});
