import { afterEach, describe, expect, it, vi } from "vitest";
import { ExecTimeoutError, Node } from "./index.js";
import { flush } from "./testing/deferred.js";
import { MAX_TIMER_DELAY_MS, startTimer } from "./timers.js";

// Node's setTimeout fires after ~1 ms for delays above 2^31 − 1 ms; Sluice chains timers instead.
const LONG = 2 ** 31 + 5_000;

afterEach(() => {
  vi.useRealTimers();
});

function fakeTimers() {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
}

describe("delays above 2^31 − 1 ms wait as long as they say", () => {
  it("startTimer fires after the whole delay, and cancel stops every link of the chain", () => {
    fakeTimers();
    const fired: number[] = [];
    startTimer(() => fired.push(1), LONG);
    const cancel = startTimer(() => fired.push(2), LONG);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 1);
    expect(fired).toEqual([]);
    cancel();
    vi.advanceTimersByTime(LONG);
    expect(fired).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("timeout: 2**31 + 5 s times the attempt out only after that long", async () => {
    fakeTimers();
    class Hangs extends Node {
      override exec(): Promise<never> {
        return new Promise(() => {});
      }
    }
    const run = new Hangs({ timeout: LONG }).run({});
    let outcome: unknown;
    run.catch((error) => {
      outcome = error;
    });
    await flush(); // the attempt has started, and with it the timer
    vi.advanceTimersByTime(1_000);
    await flush();
    expect(outcome).toBeUndefined();
    vi.advanceTimersByTime(LONG - 1_001);
    await flush();
    expect(outcome).toBeUndefined();
    vi.advanceTimersByTime(1);
    await flush();
    expect(outcome).toBeInstanceOf(ExecTimeoutError);
  });

  it("wait (seconds) and a server's retry-after of 3e9 ms delay the retry by that much", async () => {
    fakeTimers();
    const attempts: string[] = [];
    class Flaky extends Node {
      override async exec(): Promise<string> {
        attempts.push(this.currentRetry === 0 ? "first" : "second");
        if (this.currentRetry === 0) {
          throw Object.assign(new Error("429"), { retryAfterMs: this.wait === 0 ? 3e9 : 0 });
        }
        return "ok";
      }
    }
    for (const node of [new Flaky(2, 3e6), new Flaky({ maxRetries: 2 })]) {
      attempts.length = 0;
      const run = node.run({});
      await flush();
      vi.advanceTimersByTime(3e9 - 1);
      await flush();
      expect(attempts).toEqual(["first"]);
      vi.advanceTimersByTime(1);
      await flush();
      expect(attempts).toEqual(["first", "second"]);
      await run;
    }
  });
});
