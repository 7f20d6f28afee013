import { describe, expect, it } from "vitest";
import { TokenBucket } from "./bucket.js";

describe("TokenBucket", () => {
  it("starts full and refills continuously up to its burst", () => {
    const bucket = new TokenBucket(60_000, 100, 0); // 1 per ms
    expect(bucket.level).toBe(100);
    bucket.level = 0;
    bucket.refill(40);
    expect(bucket.level).toBe(40);
    bucket.refill(1_000);
    expect(bucket.level).toBe(100);
  });

  it("says how long until an amount fits", () => {
    const bucket = new TokenBucket(6_000, 50, 0, 10); // 0.1 per ms
    expect(bucket.fits(10)).toBe(true);
    expect(bucket.fits(11)).toBe(false);
    expect(bucket.waitMs(30)).toBeCloseTo(200);
  });

  it("admits a job above the burst only when full, leaving a debt", () => {
    const bucket = new TokenBucket(6_000, 50, 0, 49);
    expect(bucket.maxCost).toBe(6_000);
    expect(bucket.fits(400)).toBe(false);
    expect(bucket.waitMs(400)).toBeCloseTo(10);
    bucket.refill(10);
    expect(bucket.fits(400)).toBe(true);
    bucket.level -= 400;
    bucket.refill(20);
    expect(bucket.level).toBeCloseTo(-349);
  });

  it("caps refunds at the burst and lets charges go below zero", () => {
    const bucket = new TokenBucket(600, 10, 0, 5);
    bucket.adjust(20);
    expect(bucket.level).toBe(10);
    bucket.adjust(-25);
    expect(bucket.level).toBe(-15);
  });

  it("does not freeze when the clock steps backwards", () => {
    const bucket = new TokenBucket(60_000, 100, 1_000, 0);
    bucket.refill(500);
    expect(bucket.level).toBe(0);
    bucket.refill(510);
    expect(bucket.level).toBe(10);
  });

  it("keeps its level (within the new burst) when reshaped", () => {
    const bucket = new TokenBucket(60_000, 100, 0, 80);
    bucket.reshape(30_000, 50);
    expect(bucket.level).toBe(50);
    expect(bucket.ratePerMs).toBe(0.5);
  });
});
