import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { backoffMs, isRetryableError, RetryBudget, resolveRetry } from "./retry.js";

describe("resolveRetry", () => {
  it("fills defaults, inherits from a base and can be switched off", () => {
    const base = resolveRetry({ maxAttempts: 5 })!;
    expect(base).toMatchObject({ maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2 });
    expect(resolveRetry({ initialDelayMs: 10 }, base)).toMatchObject({ maxAttempts: 5, initialDelayMs: 10 });
    expect(resolveRetry(undefined, base)).toBe(base);
    expect(resolveRetry(false, base)).toBeUndefined();
    expect(resolveRetry(true)).toMatchObject({ maxAttempts: 3 });
  });

  it.each([
    { maxAttempts: 1.5 },
    { initialDelayMs: -1 },
    { maxDelayMs: Number.NaN },
    { multiplier: 0 },
    { retryIf: 3 },
  ])("refuses %j", (options) => {
    expect(() => resolveRetry(options as never)).toThrow(InvalidArgumentError);
  });
});

describe("backoffMs", () => {
  it("is uniform under an exponential cap that stops at maxDelayMs", () => {
    const policy = resolveRetry({ initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 3 })!;
    // The draw maps as in @sluice/test-tables backoff.json: cap × (1 − random), so 0 gives the cap.
    expect(backoffMs(policy, 1, () => 0.001)).toBeCloseTo(99.9);
    expect(backoffMs(policy, 2, () => 0.5)).toBe(150);
    expect(backoffMs(policy, 5, () => 0)).toBe(1_000);
    expect(backoffMs(policy, 3, () => 1)).toBe(0);
  });
});

describe("isRetryableError", () => {
  it.each([
    [{ retryable: true, status: 400 }, true],
    [{ retryable: false, status: 503 }, false],
    [{ status: 408 }, true],
    [{ status: 409 }, true],
    [{ status: 429 }, true],
    [{ status: 500 }, true],
    [{ status: 529 }, true],
    [{ status: 400 }, false],
    [{ status: 401 }, false],
    [{ errorType: "overloaded_error" }, true],
    [new TypeError("bug"), false],
    ["text", false],
    [null, false],
  ])("%j → %s", (error, expected) => {
    expect(isRetryableError(error)).toBe(expected);
  });
});

describe("RetryBudget", () => {
  it("grants minRetries plus a share of first attempts", () => {
    const budget = new RetryBudget({ ratio: 0.5, minRetries: 1 }, 0);
    for (let index = 0; index < 4; index++) budget.noteFirstAttempt(0);
    expect(budget.available(0)).toBe(3);
    expect([budget.tryRetry(0), budget.tryRetry(0), budget.tryRetry(0), budget.tryRetry(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it("forgets old traffic over its window", () => {
    const budget = new RetryBudget({ ratio: 1, minRetries: 0, windowMs: 1_000 }, 0);
    for (let index = 0; index < 100; index++) budget.noteFirstAttempt(0);
    expect(budget.available(0)).toBe(100);
    expect(budget.available(5_000)).toBe(0); // e^-5 × 100 < 1
  });

  it("validates its options", () => {
    expect(() => new RetryBudget({ ratio: -1 }, 0)).toThrow(/ratio/);
    expect(() => new RetryBudget({ minRetries: Number.NaN }, 0)).toThrow(/minRetries/);
    expect(() => new RetryBudget({ windowMs: 0 }, 0)).toThrow(/windowMs/);
  });
});
