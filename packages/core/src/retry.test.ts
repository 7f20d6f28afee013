import { describe, expect, it } from "vitest";
import { Node, type RetryEvent, type SluiceEvent } from "./index.js";
import { RetryPolicy } from "./retry.js";

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

describe("RetryPolicy", () => {
  it("backs off exponentially with full jitter under a cap", () => {
    // The draw maps as in @sluice/test-tables backoff.json: cap × (1 − random), so 0 gives the cap.
    const top = new RetryPolicy(
      { maxRetries: 10, backoff: { initialDelayMs: 100, maxDelayMs: 1000 } },
      () => 0,
    );
    expect([1, 2, 3, 4, 5].map((n) => top.delayMs(new Error(), n))).toEqual([100, 200, 400, 800, 1000]);
    const bottom = new RetryPolicy({ maxRetries: 10, backoff: true }, () => 1);
    expect(bottom.delayMs(new Error(), 3)).toBe(0);
    const middle = new RetryPolicy({ maxRetries: 10, backoff: { initialDelayMs: 100 } }, () => 0.5);
    expect(middle.delayMs(new Error(), 2)).toBe(100);
  });

  it("uses wait (seconds) as the fixed delay, or as the first backoff step", () => {
    expect(new RetryPolicy({ maxRetries: 3, wait: 2 }).delayMs(new Error(), 2)).toBe(2000);
    expect(
      new RetryPolicy({ maxRetries: 3, wait: 2, backoff: { jitter: false } }).delayMs(new Error(), 2),
    ).toBe(4000);
  });

  it("never waits less than an error's retry-after, even above the backoff cap", () => {
    const policy = new RetryPolicy({ maxRetries: 3, backoff: { maxDelayMs: 10 } }, () => 1);
    expect(policy.delayMs(new RetryableError("429", true, 45_000), 1)).toBe(45_000);
  });

  it("does not retry errors that say they are not retryable, nor past maxRetries", () => {
    const policy = new RetryPolicy({ maxRetries: 3 });
    expect(policy.shouldRetry(new RetryableError("quota", false), 1)).toBe(false);
    expect(policy.shouldRetry(new Error("flaky"), 2)).toBe(true);
    expect(policy.shouldRetry(new Error("flaky"), 3)).toBe(false);
    const custom = new RetryPolicy({
      maxRetries: 3,
      retryIf: (error) => (error as Error).message === "flaky",
    });
    expect(custom.shouldRetry(new Error("bad input"), 1)).toBe(false);
  });
});

describe("retries in a node", () => {
  it("go straight to the fallback on a non-retryable error", async () => {
    let attempts = 0;
    class Auth extends Node {
      override async exec(): Promise<void> {
        attempts++;
        throw new RetryableError("bad key", false);
      }
      override async execFallback(): Promise<string> {
        return "fallback";
      }
    }
    await new Auth({ maxRetries: 5 }).run({});
    expect(attempts).toBe(1);
  });

  it("honour retry-after and report each retry as an event", async () => {
    const events: SluiceEvent[] = [];
    const attemptTimes: number[] = [];
    class RateLimited extends Node {
      override async exec(): Promise<string> {
        attemptTimes.push(performance.now());
        if (this.currentRetry === 0) throw new RetryableError("429", true, 60);
        return "ok";
      }
    }
    await new RateLimited({ maxRetries: 2 }).run({}, { onEvent: (event) => events.push(event) });
    const retries = events.filter((event): event is RetryEvent => event.type === "retry");
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 60, name: "RateLimited" });
    // Timers may fire a little early or late on a loaded machine; 50 ms keeps the margin generous.
    expect(attemptTimes[1]! - attemptTimes[0]!).toBeGreaterThanOrEqual(50);
  });
});
