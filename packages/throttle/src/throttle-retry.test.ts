import { describe, expect, it } from "vitest";
import { ThrottleClosedError, type ThrottleEvents } from "./index.js";
import { FakeProviderError, flush, outcome, virtualThrottle } from "./testing/virtual-time.js";

const serverError = () => new FakeProviderError({ status: 500, errorType: "api_error" });

describe("retries owned by the throttle", () => {
  it("sends every retry back through admission, paying its cost again", async () => {
    const { clock, throttle } = virtualThrottle({
      requestsPerMinute: 60,
      retry: { maxAttempts: 3, initialDelayMs: 0 },
    });
    const attempts: { attempt: number; at: number }[] = [];
    const result = throttle.run(async ({ attempt }) => {
      attempts.push({ attempt, at: clock.now() });
      if (attempt < 3) throw serverError();
      return "third time";
    });
    await clock.advance(5_000);
    expect(await result).toBe("third time");
    expect(attempts).toEqual([
      { attempt: 1, at: 0 },
      { attempt: 2, at: 1_000 },
      { attempt: 3, at: 2_000 },
    ]);
    expect(throttle.stats()).toMatchObject({ submitted: 1, attempts: 3, retries: 2, succeeded: 1 });
    expect(throttle.stats().admitted.requests).toBe(3);
  });

  it("backs off exponentially with full jitter", async () => {
    const { clock, throttle } = virtualThrottle({
      retry: { maxAttempts: 4, initialDelayMs: 1_000, multiplier: 2 },
      random: () => 0.5,
    });
    const delays: number[] = [];
    throttle.on("retry", ({ delayMs }) => delays.push(delayMs));
    const result = outcome(
      throttle.run(async () => {
        throw serverError();
      }),
    );
    await clock.advance(10_000);
    expect((await result).ok).toBe(false);
    expect(delays).toEqual([500, 1_000, 2_000]); // half of each cap: 1 s, 2 s, 4 s
    expect(throttle.stats()).toMatchObject({ attempts: 4, failed: 1 });
  });

  it("waits at least the provider's retry-after", async () => {
    const { clock, throttle } = virtualThrottle({ retry: { initialDelayMs: 100 }, random: () => 0 });
    const attemptsAt: number[] = [];
    const result = throttle.run(async ({ attempt }) => {
      attemptsAt.push(clock.now());
      if (attempt === 1) throw new FakeProviderError({ status: 529, retryAfterMs: 7_000 });
      return "ok";
    });
    await clock.advance(10_000);
    expect(await result).toBe("ok");
    expect(attemptsAt).toEqual([0, 7_000]);
  });

  it("stops a retry storm with the retry budget", async () => {
    const { clock, throttle } = virtualThrottle({
      retry: { maxAttempts: 10, initialDelayMs: 0 },
      retryBudget: { ratio: 0.1, minRetries: 2 },
    });
    const denied: ThrottleEvents["retry-denied"][] = [];
    throttle.on("retry-denied", (event) => denied.push(event));
    const results = Array.from({ length: 10 }, () =>
      outcome(
        throttle.run(async () => {
          throw serverError();
        }),
      ),
    );
    await clock.advance(1_000);
    await Promise.all(results);
    // 2 + 0.1 × 10 first attempts = 3 retries, where 90 were wanted.
    expect(throttle.stats()).toMatchObject({ retries: 3, attempts: 13, failed: 10, retriesDenied: 10 });
    expect(denied).toHaveLength(10);
  });

  it("retries only what is retryable", async () => {
    const { clock, throttle } = virtualThrottle({ retry: { maxAttempts: 3, initialDelayMs: 0 } });
    const attemptsFor = async (error: unknown, options = {}) => {
      let attempts = 0;
      const result = outcome(
        throttle.run(async () => {
          attempts++;
          throw error;
        }, options),
      );
      await clock.advance(100);
      await result;
      return attempts;
    };
    expect(await attemptsFor(new FakeProviderError({ status: 503, retryable: false }))).toBe(1);
    expect(await attemptsFor(new FakeProviderError({ status: 400 }))).toBe(1);
    expect(await attemptsFor(new TypeError("a bug"))).toBe(1);
    expect(await attemptsFor(new FakeProviderError({ status: 408 }))).toBe(3);
    expect(await attemptsFor(Object.assign(new Error("flaky"), { retryable: true }))).toBe(3);
    expect(
      await attemptsFor(new FakeProviderError({ status: 502, headers: { "x-should-retry": "false" } })),
    ).toBe(1);
    expect(await attemptsFor(new TypeError("custom"), { retry: { retryIf: () => true } })).toBe(3);
    expect(await attemptsFor(serverError(), { retry: false })).toBe(1);
  });

  it("does not retry unless asked", async () => {
    const { throttle } = virtualThrottle();
    let attempts = 0;
    await outcome(
      throttle.run(async () => {
        attempts++;
        throw serverError();
      }),
    );
    expect(attempts).toBe(1);
    let perJob = 0;
    const result = throttle.run(
      async ({ attempt }) => {
        perJob++;
        if (attempt === 1) throw serverError();
        return attempt;
      },
      { retry: { initialDelayMs: 0 } },
    );
    await flush();
    await flush();
    expect(await result).toBe(2);
    expect(perJob).toBe(2);
  });

  it("drops a job aborted during its backoff", async () => {
    const { clock, throttle } = virtualThrottle({ retry: { initialDelayMs: 10_000 } });
    const controller = new AbortController();
    let attempts = 0;
    const result = outcome(
      throttle.run(
        async () => {
          attempts++;
          throw serverError();
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(10);
    expect(throttle.stats().waitingRetry).toBe(1);
    controller.abort("stop");
    expect(await result).toEqual({ ok: false, error: "stop" });
    await clock.runAll();
    expect(attempts).toBe(1);
    expect(throttle.stats()).toMatchObject({ waitingRetry: 0, aborted: 1 });
    expect(clock.pendingTimers).toBe(0);
  });

  it("fails with the task's error when a retry could not start before the deadline", async () => {
    const { clock, throttle } = virtualThrottle({ retry: { initialDelayMs: 0 } });
    const overloaded = new FakeProviderError({ status: 529, retryAfterMs: 60_000 });
    const result = outcome(
      throttle.run(
        async () => {
          throw overloaded;
        },
        { deadline: 30_000 },
      ),
    );
    await clock.advance(1);
    expect(await result).toEqual({ ok: false, error: overloaded });
  });

  it("rejects jobs in backoff when the throttle closes", async () => {
    const { clock, throttle } = virtualThrottle({ retry: { initialDelayMs: 10_000 } });
    const result = outcome(
      throttle.run(async () => {
        throw serverError();
      }),
    );
    await clock.advance(1);
    await throttle.close();
    expect(((await result) as { error: unknown }).error).toBeInstanceOf(ThrottleClosedError);
  });
});
