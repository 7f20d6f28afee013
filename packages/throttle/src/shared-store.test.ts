// The optional hooks of ThrottleStore for stores shared by several processes, exercised with a store
// that several throttles share in this process (what RedisThrottleStore does across processes).
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import type { PauseReason } from "./events.js";
import { MemoryStore } from "./store.js";
import { deferred, flush, virtualThrottle } from "./testing/virtual-time.js";

/** One set of buckets, one concurrency cap and one pause, seen by every throttle holding a view. */
class Shared {
  readonly buckets = new MemoryStore();
  readonly listeners = new Set<() => void>();
  slotsFree: number;
  pauseUntil: number | undefined;

  constructor(readonly cap: number) {
    this.slotsFree = cap;
  }

  /** As a store shared across processes does: later, never from inside one of its own methods. */
  notify(): void {
    setImmediate(() => {
      for (const listener of this.listeners) listener();
    });
  }

  view(): MemoryStore {
    const shared = this;
    return Object.assign(Object.create(shared.buckets) as MemoryStore, {
      subscribe(onChange: () => void) {
        shared.listeners.add(onChange);
        return () => shared.listeners.delete(onChange);
      },
      sharePause(until: number, _now: number, _reason: PauseReason) {
        shared.pauseUntil = Math.max(shared.pauseUntil ?? 0, until);
        shared.notify();
      },
      pausedUntil: () => shared.pauseUntil,
      acquireSlot() {
        if (shared.slotsFree === 0) return false;
        shared.slotsFree--;
        return true;
      },
      releaseSlot() {
        shared.slotsFree++;
        shared.notify();
      },
    });
  }
}

describe("a store shared by several throttles", () => {
  it("holds the shared concurrency cap across throttles and wakes the others when a slot frees", async () => {
    const shared = new Shared(2);
    const clock = new ManualClock(0);
    const a = virtualThrottle({ clock, concurrency: 5, store: shared.view() }).throttle;
    const b = virtualThrottle({ clock, concurrency: 5, store: shared.view() }).throttle;
    const gates = [deferred(), deferred(), deferred()];
    const started: string[] = [];
    const task = (name: string, gate: Promise<void>) => () => {
      started.push(name);
      return gate;
    };
    const jobs = [
      a.run(task("a0", gates[0]!.promise)),
      a.run(task("a1", gates[1]!.promise)),
      b.run(task("b0", gates[2]!.promise)),
    ];
    await flush();
    expect(started).toEqual(["a0", "a1"]);
    expect(shared.slotsFree).toBe(0);
    gates[0]!.resolve();
    await flush();
    await flush();
    // a's settled job gave its slot back; b, told through subscribe, took it.
    expect(started).toEqual(["a0", "a1", "b0"]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all(jobs);
    expect(shared.slotsFree).toBe(2);
  });

  it("gives the slot back when the buckets refuse the job after all", async () => {
    const shared = new Shared(3);
    const { clock, throttle } = virtualThrottle({
      requestsPerMinute: { perMinute: 60, burst: 1 },
      store: shared.view(),
    });
    const jobs = [throttle.run(() => {}), throttle.run(() => {})];
    await flush();
    expect(shared.slotsFree).toBe(3); // the first ran and settled; the second waits for a request
    await clock.advance(1_000);
    await Promise.all(jobs);
    expect(shared.slotsFree).toBe(3);
  });

  it("shares a rate-limit pause with every throttle, which adopts it at its next admission", async () => {
    const shared = new Shared(10);
    const clock = new ManualClock(0);
    const a = virtualThrottle({ clock, store: shared.view() }).throttle;
    const b = virtualThrottle({ clock, store: shared.view() }).throttle;
    const pauses: { reason: string; until: number }[] = [];
    b.on("pause", (event) => pauses.push(event));
    a.observe({ status: 429, headers: { "retry-after": "5" } });
    expect(shared.pauseUntil).toBeGreaterThanOrEqual(5_000);
    await flush();
    expect(pauses).toEqual([expect.objectContaining({ reason: "rate_limited", until: shared.pauseUntil })]);
    let startedAt = -1;
    const job = b.run(() => {
      startedAt = clock.now();
    });
    await clock.advance(4_999);
    expect(startedAt).toBe(-1);
    await clock.runAll();
    await job;
    expect(startedAt).toBeGreaterThanOrEqual(5_000);
  });
});
