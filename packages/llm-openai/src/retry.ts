import { isLlmError, sleep } from "@sluice/llm";

/**
 * The adapter's own retries, used when no limiter owns them (a limiter passes `transportRetries: 0`).
 * Retryable @sluice/llm errors (rate limits, overload, 5xx, timeouts, connection failures) are tried
 * again after the wait the server asked for, else after an exponential backoff with jitter: about
 * 0.5 s, 1 s, 2 s, … up to 8 s, as the official SDKs do. Quota errors are never retried.
 */

/** A server asking for a longer wait than this ends the retries: the error carries `retryAfterMs`. */
export const MAX_RETRY_AFTER_MS = 60_000;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;

export interface RetryOptions {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly signal?: AbortSignal | undefined;
  /** Numbers in [0, 1) for jitter. Default Math.random. */
  readonly random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, fails with an error not worth retrying, or the retries are used up.
 *
 * @example
 * const response = await withRetries((n) => sendOnce(n), { maxRetries: 2, signal });
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (attemptNumber > options.maxRetries || options.signal?.aborted) throw error;
      const delay = retryDelayMs(error, attemptNumber, options.random ?? Math.random);
      if (delay === undefined) throw error;
      await sleep(delay, options.signal);
    }
  }
}

/** How long to wait before retrying after `error`, or undefined when it must not be retried. */
export function retryDelayMs(
  error: unknown,
  attemptNumber: number,
  random: () => number,
): number | undefined {
  if (!isLlmError(error) || !error.retryable || error.code === "quota_exceeded") return undefined;
  if (error.retryAfterMs !== undefined) {
    return error.retryAfterMs <= MAX_RETRY_AFTER_MS ? error.retryAfterMs : undefined;
  }
  const backoff = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attemptNumber - 1));
  return backoff * (1 - 0.25 * random());
}
