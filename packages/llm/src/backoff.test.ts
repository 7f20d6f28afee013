import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, retryDelayMs, withRetries } from "./backoff.js";
import { AbortedError, ConnectionError, QuotaExceededError, RateLimitError, ServerError } from "./errors.js";

describe("retryDelayMs", () => {
  const noJitter = () => 0;

  it("honours the server's wait, and gives up when it is longer than a minute", () => {
    expect(retryDelayMs(new RateLimitError({ retryAfterMs: 2500 }), 1, noJitter)).toBe(2500);
    expect(
      retryDelayMs(new RateLimitError({ retryAfterMs: MAX_RETRY_AFTER_MS + 1 }), 1, noJitter),
    ).toBeUndefined();
  });

  it("backs off exponentially from 0.5 s to 8 s, with up to 25% jitter", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(new ServerError(), n, noJitter));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(retryDelayMs(new ConnectionError(), 1, () => 0.999)).toBeGreaterThan(375);
  });

  it("never retries errors that are not retryable, nor quota errors", () => {
    expect(retryDelayMs(new QuotaExceededError({ retryAfterMs: 10 }), 1, noJitter)).toBeUndefined();
    expect(retryDelayMs(new AbortedError(), 1, noJitter)).toBeUndefined();
    expect(retryDelayMs(new Error("plain"), 1, noJitter)).toBeUndefined();
  });
});

describe("withRetries", () => {
  it("makes 1 + maxRetries attempts at most, and returns the first success", async () => {
    const seen: number[] = [];
    const result = await withRetries(
      async (n) => {
        seen.push(n);
        if (n < 3) throw new RateLimitError({ retryAfterMs: 0 });
        return "ok";
      },
      { maxRetries: 2 },
    );
    expect(result).toBe("ok");
    expect(seen).toEqual([1, 2, 3]);

    let attempts = 0;
    await expect(
      withRetries(
        async () => {
          attempts += 1;
          throw new RateLimitError({ retryAfterMs: 0 });
        },
        { maxRetries: 1 },
      ),
    ).rejects.toMatchObject({ code: "rate_limited" });
    expect(attempts).toBe(2);
  });
});
