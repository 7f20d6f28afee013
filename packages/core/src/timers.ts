/**
 * Node's setTimeout fires after about 1 ms for any delay above 2^31 − 1 ms (24.8 days) and warns
 * about the overflow. A timeout, a `wait` or a server's retry-after that large must still wait as
 * long as it says, so longer delays are served as a chain of timers.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Calls `callback` once after `delayMs` (any finite length); returns the function that cancels it. */
export function startTimer(callback: () => void, delayMs: number): () => void {
  if (delayMs <= MAX_TIMER_DELAY_MS) {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  }
  let remaining = delayMs;
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMER_DELAY_MS);
    remaining -= step;
    timer = setTimeout(remaining > 0 ? arm : callback, step);
  };
  arm();
  return () => clearTimeout(timer);
}
