import { describe, expect, it } from "vitest";
import { anthropicRateLimitHeaders } from "./anthropic/headers.js";
import { RateLimitBuckets } from "./buckets.js";
import { formatGoDuration, openaiRateLimitHeaders } from "./openai/headers.js";
import { formatRetryAfter } from "./retry-after.js";

describe("formatGoDuration", () => {
  it("prints durations the way Go (and OpenAI's reset headers) do", () => {
    expect(formatGoDuration(0)).toBe("0s");
    expect(formatGoDuration(20)).toBe("20ms");
    expect(formatGoDuration(0.2)).toBe("1ms");
    expect(formatGoDuration(1000)).toBe("1s");
    expect(formatGoDuration(1500)).toBe("1.5s");
    expect(formatGoDuration(360_000)).toBe("6m0s");
    expect(formatGoDuration(179_560)).toBe("2m59.56s");
    expect(formatGoDuration(3_600_000)).toBe("1h0m0s");
  });
});

describe("formatRetryAfter", () => {
  it("sends whole seconds at real time, and fractional seconds under compression", () => {
    expect(formatRetryAfter(1200, 1)).toBe("2");
    expect(formatRetryAfter(0, 1)).toBe("1");
    expect(formatRetryAfter(124.2, 10)).toBe("0.125");
  });
});

describe("anthropicRateLimitHeaders", () => {
  it("rounds token remainders to the nearest thousand and reports the tightest token bucket as tokens-*", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const buckets = new RateLimitBuckets(
      { requests: 50, inputTokens: 30_000, outputTokens: 8000 },
      1,
      () => now,
    );
    buckets.take({ requests: 1, inputTokens: 1_400, outputTokens: 5_600 });
    const headers = anthropicRateLimitHeaders(buckets, now);
    expect(headers).toMatchObject({
      "anthropic-ratelimit-requests-limit": "50",
      "anthropic-ratelimit-requests-remaining": "49",
      "anthropic-ratelimit-input-tokens-remaining": "29000",
      "anthropic-ratelimit-output-tokens-remaining": "2000",
      "anthropic-ratelimit-tokens-limit": "8000",
      "anthropic-ratelimit-tokens-remaining": "2000",
    });
    // 5,600 output tokens at 8,000 per minute take 42 s to come back.
    expect(headers["anthropic-ratelimit-output-tokens-reset"]).toBe("2026-01-01T00:00:42.000Z");
  });

  it("leaves out dimensions without a limit", () => {
    const buckets = new RateLimitBuckets({ requests: 5 }, 1, () => 0);
    expect(Object.keys(anthropicRateLimitHeaders(buckets, 0)).sort()).toEqual([
      "anthropic-ratelimit-requests-limit",
      "anthropic-ratelimit-requests-remaining",
      "anthropic-ratelimit-requests-reset",
    ]);
  });
});

describe("openaiRateLimitHeaders", () => {
  it("reports exact remainders and Go-duration resets", () => {
    const buckets = new RateLimitBuckets({ requests: 60, tokens: 6000 }, 1, () => 0);
    buckets.take({ requests: 1, tokens: 600 });
    expect(openaiRateLimitHeaders(buckets)).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-limit-tokens": "6000",
      "x-ratelimit-remaining-tokens": "5400",
      "x-ratelimit-reset-tokens": "6s",
    });
  });
});
