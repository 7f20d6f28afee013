import { describe, expect, it } from "vitest";
import { MemoryStore } from "./store.js";

describe("MemoryStore", () => {
  const store = () => {
    const memory = new MemoryStore();
    memory.define(0, { perMinute: 60_000, burst: 10 }, 0); // requests: 1 per ms
    memory.define(2, { perMinute: 6_000, burst: 100 }, 0, 40); // output tokens: 0.1 per ms
    return memory;
  };

  it("treats slots without a bucket as unlimited", () => {
    const memory = store();
    expect(memory.maxCost(1)).toBe(Number.POSITIVE_INFINITY);
    expect(memory.snapshot(1, 0)).toBeUndefined();
    expect(memory.tryTake([1, 1e12, 0, 0], 0)).toBe(true);
  });

  it("takes all or nothing", () => {
    const memory = store();
    expect(memory.tryTake([1, 0, 50, 0], 0)).toBe(false);
    expect(memory.snapshot(0, 0)!.level).toBe(10);
    expect(memory.waitMs([1, 0, 50, 0], 0)).toBeCloseTo(100);
    expect(memory.tryTake([1, 0, 40, 0], 0)).toBe(true);
    expect(memory.snapshot(0, 0)!.level).toBe(9);
    expect(memory.snapshot(2, 0)!.level).toBe(0);
  });

  it("takes beside a waiting job only what does not delay it", () => {
    const memory = store();
    // The waiting job needs 100 output tokens: 600 ms away. Refill by then: 60 more.
    expect(memory.tryTakeBeside([1, 0, 1, 0], [1, 0, 100, 0], 600, 0)).toBe(false);
    // Requests have room: the waiting job needs 1 of the 10.
    expect(memory.tryTakeBeside([5, 0, 0, 0], [1, 0, 100, 0], 600, 0)).toBe(true);
    expect(memory.snapshot(0, 0)!.level).toBe(5);
    // 40 output now + 0.1 × 1000 ms = 140 ≥ 100 + 30 at the head's start.
    expect(memory.tryTakeBeside([0, 0, 30, 0], [0, 0, 100, 0], 1_000, 0)).toBe(true);
    // Never below zero for a job taken beside.
    expect(memory.tryTakeBeside([0, 0, 20, 0], [0, 0, 0, 0], 10_000, 0)).toBe(false);
  });

  it("adjusts and lowers levels", () => {
    const memory = store();
    memory.adjust(2, -100, 0);
    expect(memory.snapshot(2, 0)!.level).toBe(-60);
    memory.adjust(2, 500, 0);
    expect(memory.snapshot(2, 0)!.level).toBe(100);
    memory.lowerTo(2, 30, 0);
    memory.lowerTo(2, 80, 0);
    expect(memory.snapshot(2, 0)!.level).toBe(30);
  });

  it("reshapes an existing bucket, keeping its level", () => {
    const memory = store();
    memory.define(2, { perMinute: 12_000, burst: 20 }, 0);
    expect(memory.snapshot(2, 0)).toEqual({ perMinute: 12_000, burst: 20, level: 20 });
    expect(memory.maxCost(2)).toBe(12_000);
  });
});
