import { describe, expect, it } from "vitest";
import { RampGovernor } from "./ramp.js";

describe("RampGovernor", () => {
  it("is off until engaged", () => {
    const ramp = new RampGovernor();
    expect(ramp.isActive(0)).toBe(false);
    expect(ramp.waitMs(100, 0)).toBe(0);
  });

  it("caps at half the recent rate, doubles per period and releases after two doublings", () => {
    const ramp = new RampGovernor(60_000, 10_000);
    for (let ms = 0; ms < 60_000; ms += 100) ramp.noteAdmitted(1, ms); // 10 per second
    const cap = ramp.engage(60_000);
    expect(cap).toBeGreaterThan(290);
    expect(cap).toBeLessThan(310);
    // starts empty:
    expect(ramp.waitMs(1, 60_000)).toBeGreaterThan(150);
    expect(ramp.rate(120_000) * 60_000).toBeCloseTo(cap * 2);
    expect(ramp.isActive(179_000)).toBe(true);
    expect(ramp.isActive(180_001)).toBe(false);
  });

  it("checks a job beside a waiting one", () => {
    const ramp = new RampGovernor(60_000, 10_000);
    ramp.engage(0); // floor rate: one request per minute
    expect(ramp.waitMs(1, 0)).toBeCloseTo(60_000);
    expect(ramp.fitsBeside(1, 1, 1_000, 60_000)).toBe(false);
  });
});
