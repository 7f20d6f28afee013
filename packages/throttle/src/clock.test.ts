import { describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "./clock.js";

describe("ManualClock", () => {
  it("fires timers in time order, then insertion order, as time advances", async () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 50);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 50);
    const cancelled = clock.setTimer(() => fired.push("never"), 20);
    clock.clearTimer(cancelled);
    expect(clock.nextTimerAt).toBe(110);
    await clock.advance(30);
    expect(fired).toEqual(["a@110"]);
    expect(clock.now()).toBe(130);
    await clock.advance(100);
    expect(fired).toEqual(["a@110", "b@150", "c@150"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("lets promise chains run between timers, and fires timers they set", async () => {
    const clock = new ManualClock(0);
    const log: number[] = [];
    const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimer(resolve, ms));
    void (async () => {
      await wait(10);
      log.push(clock.now());
      await wait(10);
      log.push(clock.now());
    })();
    await clock.advance(25);
    expect(log).toEqual([10, 20]);
    expect(await clock.runAll()).toBe(0);
  });

  it("runAll stops at its bound", async () => {
    const clock = new ManualClock(0);
    const rearm = () => clock.setTimer(rearm, 1);
    rearm();
    expect(await clock.runAll(5)).toBe(5);
    expect(clock.now()).toBe(5);
  });
});

describe("systemClock", () => {
  it("tells epoch time and runs timers", async () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    await new Promise<void>((resolve) => systemClock.setTimer(resolve, 1));
    const handle = systemClock.setTimer(() => {
      throw new Error("cleared timers never fire");
    }, 1);
    systemClock.clearTimer(handle);
    await new Promise((resolve) => setTimeout(resolve, 5));
  });
});
