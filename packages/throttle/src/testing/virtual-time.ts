// Test helpers: everything runs on a ManualClock, so no test sleeps for real.
import { ManualClock } from "../clock.js";
import type { ThrottleOptions } from "../options.js";
import { Throttle } from "../throttle.js";

/** A promise that resolves after `ms` of virtual time. */
export function sleep(clock: ManualClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}

/** Lets queued promise callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A throttle on a fresh ManualClock starting at 0, with deterministic jitter (random = 0.5). */
export function virtualThrottle(options: ThrottleOptions = {}): { clock: ManualClock; throttle: Throttle } {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock(0);
  const throttle = new Throttle({ random: () => 0.5, ...options, clock });
  return { clock, throttle };
}

/** Settles a promise into an outcome record, so a test can inspect a rejection without try/catch. */
export async function outcome<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** An error shaped like @sluice/llm's and the SDKs' errors, carrying provider feedback fields. */
export class FakeProviderError extends Error {
  constructor(
    readonly fields: {
      status?: number;
      headers?: Record<string, string>;
      retryAfterMs?: number;
      errorType?: string;
      errorCode?: string;
      retryable?: boolean;
    },
  ) {
    super(`provider error ${fields.status ?? ""} ${fields.errorType ?? ""} ${fields.errorCode ?? ""}`);
    Object.assign(this, fields);
  }
}
