import { parsePlainNumber } from "@sluice/llm";
import type { BucketShape, Clock, PauseReason, ThrottleStore } from "@sluice/throttle";

/**
 * Time compression for a client that lives in provider time. The emulator compresses time by k: a
 * provider minute lasts 60/k real seconds, and its limits (and `*-limit` headers) are per provider
 * minute. A Throttle configured as documented — per-minute limits, a burst in seconds, backoff in
 * ms — therefore runs on a clock k times faster than the wall clock, and the few header values that
 * the emulator states in real time (retry-after, reset times) are converted to provider time on
 * their way in. Nothing else about the responses changes.
 */

/** A clock whose time passes k times faster than real time; its timers fire k times sooner. */
export function providerClock(timeScale: number): Clock {
  const realStart = performance.now();
  const epochStart = Date.now();
  return {
    now: () => epochStart + (performance.now() - realStart) * timeScale,
    setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs / timeScale)),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** A fetch for the SDK that restates real-time header values in the provider time of `clock`. */
export function providerTimeFetch(timeScale: number, clock: Clock): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const headers = new Headers(response.headers);
    let changed = false;
    for (const [name, value] of response.headers) {
      const converted = convert(name, value, timeScale, clock);
      if (converted !== undefined) {
        headers.set(name, converted);
        changed = true;
      }
    }
    if (!changed) return response;
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

function convert(name: string, value: string, timeScale: number, clock: Clock): string | undefined {
  if (name === "retry-after" || name === "retry-after-ms") {
    const amount = parsePlainNumber(value);
    return amount === undefined ? undefined : String(amount * timeScale);
  }
  if (name.startsWith("anthropic-ratelimit-") && name.endsWith("-reset")) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    return new Date(clock.now() + (at - Date.now()) * timeScale).toISOString();
  }
  return undefined;
}

/**
 * A store that lives in real time (Redis refills by its own clock) seen from a Throttle in provider
 * time: rates are k times higher per real minute, waits k times shorter in real ms. Amounts, levels
 * and bursts are the same in both.
 */
export function providerTimeStore(store: ThrottleStore, timeScale: number): ThrottleStore {
  const real = (shape: BucketShape): BucketShape => ({
    perMinute: shape.perMinute * timeScale,
    burst: shape.burst,
  });
  return {
    define: (slot, shape, now, level) => store.define(slot, real(shape), now, level),
    snapshot(slot, now) {
      const snapshot = store.snapshot(slot, now);
      return snapshot === undefined ? undefined : { ...snapshot, perMinute: snapshot.perMinute / timeScale };
    },
    maxCost(slot) {
      const snapshot = store.snapshot(slot, 0);
      return snapshot === undefined
        ? store.maxCost(slot)
        : Math.max(snapshot.perMinute / timeScale, snapshot.burst);
    },
    waitMs: (amounts, now) => store.waitMs(amounts, now) * timeScale,
    tryTake: (amounts, now) => store.tryTake(amounts, now),
    tryTakeBeside: (amounts, reserved, withinMs, now) =>
      store.tryTakeBeside(amounts, reserved, withinMs / timeScale, now),
    adjust: (slot, delta, now) => store.adjust(slot, delta, now),
    lowerTo: (slot, level, now) => store.lowerTo(slot, level, now),
    raiseTo: (slot, level, now) => store.raiseTo?.(slot, level, now),
    subscribe: (onChange) => store.subscribe?.(onChange) ?? (() => {}),
    sharePause: (until, now, reason: PauseReason) =>
      store.sharePause?.(now + (until - now) / timeScale, now, reason),
    pausedUntil(now) {
      const until = store.pausedUntil?.(now);
      return until === undefined ? undefined : now + (until - now) * timeScale;
    },
    acquireSlot: (now) => store.acquireSlot?.(now) ?? true,
    releaseSlot: (now) => store.releaseSlot?.(now),
  };
}
