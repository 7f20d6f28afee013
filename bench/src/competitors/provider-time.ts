import { parsePlainNumber } from "@sluice/llm";
import type { Clock } from "@sluice/throttle";

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
