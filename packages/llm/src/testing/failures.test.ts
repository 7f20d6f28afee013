import { describe, expect, it } from "vitest";
import { RateLimitError } from "../errors.js";
import { compressedClock } from "./clock.js";
import { caughtLlmError, printedForms } from "./failures.js";

describe("caughtLlmError", () => {
  it("returns the LlmError a call rejected with", async () => {
    const error = new RateLimitError({ status: 429 });
    await expect(caughtLlmError(() => Promise.reject(error))).resolves.toBe(error);
    await expect(
      caughtLlmError(() => {
        throw error;
      }),
    ).resolves.toBe(error);
  });

  it("fails when the call succeeds or throws something else", async () => {
    await expect(caughtLlmError(async () => "ok")).rejects.toThrow(/succeeded/);
    await expect(caughtLlmError(() => Promise.reject(new TypeError("raw")))).rejects.toThrow(
      /Expected an LlmError, got TypeError: raw/,
    );
  });
});

describe("printedForms", () => {
  it("includes hidden properties and the cause chain", () => {
    const error = new RateLimitError({ status: 429, cause: new Error("deep inside") });
    Object.defineProperty(error, "hidden", { value: "tucked away", enumerable: false });
    const printed = printedForms(error);
    expect(printed).toContain("deep inside");
    expect(printed).toContain("tucked away");
    expect(printed).toContain('"code":"rate_limited"');
  });
});

describe("compressedClock", () => {
  it("runs scale times faster than the wall clock, timers included", async () => {
    const clock = compressedClock(1_000);
    const start = clock.now();
    const fired = await new Promise<number>((resolve) => clock.setTimer(() => resolve(clock.now()), 5_000));
    // 5 s of clock time take about 5 real ms; the bound is loose for a loaded machine.
    expect(fired - start).toBeGreaterThanOrEqual(4_000);
    const handle = clock.setTimer(() => {
      throw new Error("cleared timers must not fire");
    }, 1_000);
    clock.clearTimer(handle);
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("refuses a scale that is not a positive number", () => {
    expect(() => compressedClock(0)).toThrow(/positive/);
    expect(() => compressedClock(Number.NaN)).toThrow(/positive/);
  });
});
