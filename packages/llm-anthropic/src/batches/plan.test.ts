import { describe, expect, it } from "vitest";
import { MESSAGE_BATCH_LIMITS, planBatches, resolveLimits } from "./plan.js";

describe("planBatches", () => {
  it("splits by request count", () => {
    expect(planBatches([1, 1, 1, 1, 1], 0, { maxRequests: 2, maxBytes: 1000 })).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
      { start: 4, end: 5 },
    ]);
  });

  it("splits by body size, counting the envelope and the commas", () => {
    // Envelope {"requests":[]} is 15 bytes; two 40-byte entries and a comma make 96.
    expect(planBatches([40, 40, 40], 0, { maxRequests: 100, maxBytes: 96 })).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 3 },
    ]);
    expect(planBatches([40, 40, 40], 0, { maxRequests: 100, maxBytes: 95 })).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 2 },
      { start: 2, end: 3 },
    ]);
  });

  it("starts where a resumed run left off", () => {
    expect(planBatches([1, 1, 1, 1], 3, { maxRequests: 2, maxBytes: 1000 })).toEqual([{ start: 3, end: 4 }]);
    expect(planBatches([1, 1], 2, { maxRequests: 2, maxBytes: 1000 })).toEqual([]);
  });

  it("splits 100,001 requests into two batches under the API's limits", () => {
    const ranges = planBatches(new Array(100_001).fill(100), 0, MESSAGE_BATCH_LIMITS);
    expect(ranges).toEqual([
      { start: 0, end: 100_000 },
      { start: 100_000, end: 100_001 },
    ]);
  });

  it("splits above 256 MB", () => {
    const tenMegabytes = 10 * 1024 * 1024;
    const ranges = planBatches(new Array(30).fill(tenMegabytes), 0, MESSAGE_BATCH_LIMITS);
    expect(ranges.map((r) => r.end - r.start)).toEqual([25, 5]);
  });

  it("refuses a single request too large for any batch", () => {
    expect(() => planBatches([10, 5000], 0, { maxRequests: 10, maxBytes: 1000 })).toThrow(
      /requests\[1\] is 5000 bytes/,
    );
  });

  it("keeps limits within the API's maxima", () => {
    expect(resolveLimits(undefined)).toEqual(MESSAGE_BATCH_LIMITS);
    expect(() => resolveLimits({ maxRequests: 100_001 })).toThrow(/maxRequests/);
    expect(() => resolveLimits({ maxBytes: 300 * 1024 * 1024 })).toThrow(/maxBytes/);
  });
});
