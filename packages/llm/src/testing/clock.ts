/**
 * The clock shape @sluice/throttle's `clock` option takes (structural, so this package needs no
 * dependency on it).
 */
export interface TestClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/**
 * A clock that runs `scale` times faster than the wall clock. An emulator started with
 * `timeScale: scale` lives in compressed time, and so must a limiter in front of it: the limits it
 * learns from rate-limit headers are per provider minute, and in real time it would throttle `scale`
 * times too hard.
 *
 * @example
 * const emu = await startEmulator({ timeScale: 60 }); // one provider minute per real second
 * const throttle = new Throttle({ concurrency: 8, clock: compressedClock(60) });
 */
export function compressedClock(scale: number): TestClock {
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new RangeError(`compressedClock: scale must be a positive number (got ${String(scale)}).`);
  }
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * scale,
    setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs / scale)),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}
