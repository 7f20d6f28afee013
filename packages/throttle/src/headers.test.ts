import { describe, expect, it } from "vitest";
import { parseGoDuration, parseRateLimitHeaders, parseRetryAfter } from "./headers.js";

describe("parseGoDuration", () => {
  it.each([
    ["6m0s", 360_000],
    ["2m59.56s", 179_560],
    ["20ms", 20],
    ["1s", 1_000],
    ["1h2m3s", 3_723_000],
    ["1.5µs", 0.0015],
    ["1.5us", 0.0015],
    ["250ns", 0.00025],
    ["0s", 0],
    ["0", 0],
    ["1.5", 1_500], // a bare number is seconds
  ])("reads %s as %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(["", "soon", "5x", "-1s", "1m-5s", "m5"])("refuses %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds, fractions included", () => {
    expect(parseRetryAfter("30", 0)).toBe(30_000);
    expect(parseRetryAfter("0.25", 0)).toBe(250);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:12 GMT", now)).toBe(12_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });

  it("ignores nonsense and negative values", () => {
    expect(parseRetryAfter("later", 0)).toBeUndefined();
    expect(parseRetryAfter("-5", 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});

describe("parseRateLimitHeaders", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");

  it("reads Anthropic's headers with RFC 3339 resets", () => {
    const parsed = parseRateLimitHeaders(
      {
        "anthropic-ratelimit-requests-limit": "50",
        "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-requests-reset": "2026-03-01T12:00:01Z",
        "anthropic-ratelimit-input-tokens-limit": "30000",
        "anthropic-ratelimit-input-tokens-remaining": "29000",
        "anthropic-ratelimit-input-tokens-reset": "2026-03-01T12:00:02.500Z",
        "anthropic-ratelimit-output-tokens-limit": "8000",
        "anthropic-ratelimit-output-tokens-remaining": "7000",
        "anthropic-ratelimit-tokens-limit": "8000",
        "anthropic-ratelimit-tokens-remaining": "7000",
        "retry-after": "2",
      },
      now,
    );
    expect(parsed).toEqual({
      retryAfterMs: 2_000,
      requests: { limit: 50, remaining: 49, resetAt: now + 1_000 },
      inputTokens: { limit: 30_000, remaining: 29_000, resetAt: now + 2_500 },
      outputTokens: { limit: 8_000, remaining: 7_000 },
    });
  });

  it("uses Anthropic's tokens-* as the combined bucket only when input and output are absent", () => {
    const parsed = parseRateLimitHeaders(
      { "anthropic-ratelimit-tokens-limit": "80000", "anthropic-ratelimit-tokens-remaining": "1000" },
      now,
    );
    expect(parsed).toEqual({ tokens: { limit: 80_000, remaining: 1_000 } });
  });

  it("reads OpenAI-style headers from a Headers object, resets as Go durations", () => {
    const parsed = parseRateLimitHeaders(
      new Headers({
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-limit-tokens": "2000000",
        "x-ratelimit-remaining-tokens": "1999000",
        "x-ratelimit-reset-tokens": "6m0s",
        "retry-after-ms": "1500",
        "x-should-retry": "false",
      }),
      now,
    );
    expect(parsed).toEqual({
      retryAfterMs: 1_500,
      shouldRetry: false,
      requests: { limit: 10_000, remaining: 9_999, resetAt: now + 6 },
      tokens: { limit: 2_000_000, remaining: 1_999_000, resetAt: now + 360_000 },
    });
  });

  it("matches names in any case and takes the first of repeated values", () => {
    const parsed = parseRateLimitHeaders(
      { "Retry-After": ["7", "9"], "X-RateLimit-Remaining-Requests": "0", Other: undefined },
      now,
    );
    expect(parsed).toEqual({ retryAfterMs: 7_000, requests: { remaining: 0 } });
  });

  it("returns undefined when there is nothing about limits, and skips malformed values", () => {
    expect(parseRateLimitHeaders({ "content-type": "application/json" }, now)).toBeUndefined();
    expect(
      parseRateLimitHeaders({ "x-ratelimit-limit-requests": "lots", "retry-after": "soon" }, now),
    ).toBeUndefined();
    expect(parseRateLimitHeaders(null as never, now)).toBeUndefined();
  });
});
