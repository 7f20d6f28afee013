// Core's parallel nodes against the real @sluice/throttle (a dev dependency only), on its manual
// clock: the cases a toy limiter that never aborts cannot show. The rule under test is the one in
// core's Limiter contract: no task and no exec ever starts under a signal that has already aborted.
import { getEventListeners } from "node:events";
import { ManualClock, Throttle, type ThrottleOptions } from "@sluice/throttle";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ExecTimeoutError,
  type Limiter,
  type LimiterRunOptions,
  type LimiterTaskContext,
  ParallelBatchNode,
  type ParallelBatchNodeOptions,
} from "./index.js";
import { deferred, flush } from "./testing/deferred.js";

interface Item {
  readonly id: string;
  readonly tokens: number;
}

/** The real Throttle, seen through a window: which tasks it started, and under what signal. */
class ObservedThrottle implements Limiter {
  readonly throttle: Throttle;
  readonly clock: ManualClock;
  /** Tasks the throttle started although the job's signal had already fired. */
  readonly startedAborted: number[] = [];
  /** The most abort listeners seen on a signal core passed in. */
  maxListeners = 0;
  private jobs = 0;

  constructor(options: ThrottleOptions) {
    this.clock = new ManualClock(0);
    this.throttle = new Throttle({ random: () => 0.5, ...options, clock: this.clock });
  }

  run<T>(task: (context: LimiterTaskContext) => Promise<T>, options?: LimiterRunOptions): Promise<T> {
    const job = this.jobs++;
    const signal = options?.signal;
    const result = this.throttle.run((context) => {
      if (signal?.aborted) this.startedAborted.push(job);
      return task(context);
    }, options);
    if (signal) {
      this.maxListeners = Math.max(
        this.maxListeners,
        getEventListeners(signal as EventTarget, "abort").length,
      );
    }
    return result;
  }
}

class Recorded extends ParallelBatchNode<{ items: Item[] }> {
  readonly entered: string[] = [];
  behaviour: (item: Item, signal: AbortSignal) => Promise<string> = async (item) => item.id;

  override async prep(shared: { items: Item[] }): Promise<Item[]> {
    return shared.items;
  }
  override exec(item: Item): Promise<string> {
    this.entered.push(item.id);
    return this.behaviour(item, this.signal);
  }
}

function batch(limiter: Limiter, options: ParallelBatchNodeOptions = {}): Recorded {
  return new Recorded({ limiter, cost: (item: Item) => ({ inputTokens: item.tokens }), ...options });
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Takes the whole input-token burst so the next job waits for refill. */
async function emptyBucket(limiter: ObservedThrottle, tokens: number): Promise<void> {
  await limiter.throttle.run(async () => {}, { cost: { inputTokens: tokens } });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("limiter conformance: core's parallel nodes on the real Throttle", () => {
  it("a shared signal firing while the head is blocked on a bucket starts no job and no exec", async () => {
    // Depends on the throttle-side fix too: withdrawing the blocked head must not admit the small
    // job behind it (its signal fired in the same abort) — `startedAborted` shows it.
    const limiter = new ObservedThrottle({ inputTokensPerMinute: 60_000 });
    await emptyBucket(limiter, 1_000);
    const node = batch(limiter);
    const controller = new AbortController();
    const run = node.run(
      {
        items: [
          { id: "big", tokens: 1_000 },
          { id: "small", tokens: 1 },
        ],
      },
      { signal: controller.signal },
    );
    run.catch(() => {});
    await limiter.clock.advance(50);
    const reason = new Error("user cancelled");
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    await limiter.clock.advance(2_000);
    await flush();

    expect(node.entered).toEqual([]);
    expect(limiter.startedAborted).toEqual([]);
    const stats = limiter.throttle.stats();
    expect(stats.queued + stats.running).toBe(0);
    expect(stats.charged.inputTokens).toBe(1_000); // the bucket-emptying job only
  });

  it("fail-fast: once the batch rejects, queued jobs are withdrawn and no exec starts later", async () => {
    const limiter = new ObservedThrottle({ inputTokensPerMinute: 60_000 });
    const node = batch(limiter);
    const failure = new Error("item failed");
    const failNow = deferred<string>();
    node.behaviour = (item) => (item.id === "fail" ? failNow.promise : Promise.resolve(item.id));
    const run = node.run({
      items: [
        { id: "fail", tokens: 1 },
        { id: "big", tokens: 1_000 }, // blocked: the bucket holds 999 after "fail" was admitted
        { id: "late", tokens: 1 }, // would fit, but waits behind the head
      ],
    });
    run.catch(() => {});
    await flush();
    expect(node.entered).toEqual(["fail"]);

    failNow.reject(failure);
    await expect(run).rejects.toBe(failure);
    await limiter.clock.advance(5_000);
    await flush();

    expect(node.entered).toEqual(["fail"]);
    const stats = limiter.throttle.stats();
    expect(stats.queued + stats.running).toBe(0);
    // Whatever the throttle admitted in the abort walk was handed back: only "fail" stays charged.
    expect(stats.charged.inputTokens).toBe(1);
  });

  it("a timeout does not run while the job is queued: exec gets its whole timeout once admitted", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const limiter = new ObservedThrottle({ requestsPerMinute: 60 });
    await limiter.throttle.run(async () => {}); // the one-request burst is spent
    const node = batch(limiter, { timeout: 100 });
    const seen: unknown[] = [];
    node.behaviour = (_item, signal) =>
      untilAborted(signal).catch((error) => {
        seen.push(error);
        throw error;
      });
    const run = node.run({ items: [{ id: "a", tokens: 0 }] });
    run.catch(() => {});

    vi.advanceTimersByTime(5_000); // far past the timeout, still in the throttle's queue
    await flush();
    expect(node.entered).toEqual([]);
    expect(limiter.throttle.stats().queued).toBe(1);

    await limiter.clock.advance(1_000); // admitted
    expect(node.entered).toEqual(["a"]);
    vi.advanceTimersByTime(99);
    await flush();
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    await expect(run).rejects.toBeInstanceOf(ExecTimeoutError);
    expect(seen[0]).toBeInstanceOf(ExecTimeoutError);
    await flush();
    const stats = limiter.throttle.stats();
    expect(stats.queued + stats.running).toBe(0);
  });

  it("an abort during a retry's backoff rejects at once and admits no further attempt", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const limiter = new ObservedThrottle({ concurrency: 4 });
    const node = batch(limiter, { maxRetries: 3, wait: 60 });
    node.behaviour = async () => {
      throw new Error("503, try again");
    };
    const controller = new AbortController();
    const run = node.run({ items: [{ id: "a", tokens: 0 }] }, { signal: controller.signal });
    run.catch(() => {});
    await flush();
    expect(node.entered).toEqual(["a"]);
    expect(vi.getTimerCount()).toBe(1); // the backoff

    vi.advanceTimersByTime(30_000);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(120_000);
    await flush();
    expect(node.entered).toEqual(["a"]);
    expect(limiter.throttle.stats().attempts).toBe(1);
  });

  it("10,000 items at concurrency 1,000: one listener on the batch signal, none left, no warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const limiter = new ObservedThrottle({ concurrency: 1_000 });
      const node = batch(limiter, { concurrency: 1_000 });
      let running = 0;
      let maxRunning = 0;
      node.behaviour = async (item, signal) => {
        // What fetch or an SDK does with `this.signal`.
        const onAbort = () => {};
        signal.addEventListener("abort", onAbort);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await flush();
        running--;
        signal.removeEventListener("abort", onAbort);
        return item.id;
      };
      const controller = new AbortController();
      const items = Array.from({ length: 10_000 }, (_, index) => ({ id: String(index), tokens: 0 }));
      const run = node.run({ items }, { signal: controller.signal });
      await flush();
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
      await run;
      await flush();

      expect(node.entered).toHaveLength(10_000);
      expect(maxRunning).toBe(1_000);
      expect(limiter.maxListeners).toBe(1);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
