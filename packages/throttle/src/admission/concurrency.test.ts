import { describe, expect, it } from "vitest";
import { AdaptiveConcurrency } from "./concurrency.js";

describe("AdaptiveConcurrency", () => {
  it("halves from the calls in flight, once per epoch", () => {
    const cap = new AdaptiveConcurrency(32, true);
    expect(cap.decrease(10, 0, 0, 1_000)).toBe(true);
    expect(cap.limit).toBe(5);
    expect(cap.decrease(9, 0, 0, 1_000)).toBe(false); // admitted before the reduction
    expect(cap.decrease(5, 0, 1, 1_000)).toBe(true);
    expect(cap.limit).toBe(2);
  });

  it("groups reports not tied to a job within holdMs", () => {
    const cap = new AdaptiveConcurrency(16, true);
    cap.decrease(16, 0, undefined, 1_000);
    expect(cap.decrease(8, 500, undefined, 1_000)).toBe(false);
    expect(cap.decrease(8, 1_000, undefined, 1_000)).toBe(true);
    expect(cap.limit).toBe(4);
  });

  it("never goes below the minimum, and regrows by one per cap's worth of successes", () => {
    const cap = new AdaptiveConcurrency(4, true, 2);
    cap.decrease(4, 0, 0, 0);
    cap.decrease(2, 0, 1, 0);
    expect(cap.limit).toBe(2);
    let successes = 0;
    while (cap.limit === 2) {
      cap.increase();
      successes++;
    }
    expect(cap.limit).toBe(3);
    expect(successes).toBe(3); // 2 → 2.5 → 2.9 → 3.24
    for (let success = 0; success < 100; success++) cap.increase();
    expect(cap.limit).toBe(4);
  });

  it("is unbounded until the first capacity error when nothing is configured", () => {
    const cap = new AdaptiveConcurrency(Number.POSITIVE_INFINITY, true);
    expect(cap.limit).toBe(Number.POSITIVE_INFINITY);
    cap.decrease(40, 0, undefined, 0);
    expect(cap.limit).toBe(20);
  });

  it("does nothing when not adaptive", () => {
    const cap = new AdaptiveConcurrency(8, false);
    expect(cap.decrease(8, 0, 0, 0)).toBe(false);
    expect(cap.limit).toBe(8);
  });
});
