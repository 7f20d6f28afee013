import { describe, expect, it } from "vitest";
import { OverloadDetector } from "./overload.js";

describe("OverloadDetector", () => {
  it("reads refusals as weather while at least half the calls get through (K = 2)", () => {
    const detector = new OverloadDetector(0);
    for (let call = 1; call <= 100; call++) {
      if (call % 10 === 0) expect(detector.noteRefused(call)).toBe(0);
      else detector.noteAccepted(call);
    }
    for (let call = 0; call < 40; call++) detector.noteRefused(200); // 40% refused now: still weather
    expect(detector.pressure(200)).toBe(0);
  });

  it("rises once most calls are refused, and falls as the refusals fade from the window", () => {
    const detector = new OverloadDetector(0, 2, 10_000);
    for (let call = 0; call < 10; call++) detector.noteAccepted(0);
    let pressure = 0;
    for (let call = 0; call < 30; call++) pressure = detector.noteRefused(0);
    expect(pressure).toBeCloseTo((40 - 20) / 41);
    for (let call = 0; call < 20; call++) detector.noteAccepted(1_000);
    expect(detector.pressure(1_000)).toBe(0);
  });

  it("treats a first refusal with nothing accepted yet as pressure", () => {
    expect(new OverloadDetector(0).noteRefused(0)).toBeCloseTo(0.5);
  });
});
