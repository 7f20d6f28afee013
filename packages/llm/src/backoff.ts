/**
 * Exponential backoff with jitter, and the retry loop adapters over plain fetch run when no limiter
 * owns retries. (@sluice/core's node retries and @sluice/throttle's keep dependency-free copies of
 * the formula; all pass @sluice/test-tables `backoff.json`.)
 */

import { isLlmError } from "./errors.js";
import type { AbortSignalLike } from "./platform.js";
import { sleep } from "./signals.js";

export interface BackoffOptions {
  /** Cap of the first delay, ms. Default 500. */
  readonly initialDelayMs?: number;
  /** No delay exceeds this, ms. Default 8,000. */
  readonly maxDelayMs?: number;
  /** Growth of the cap per failed attempt. Default 2. */
  readonly multiplier?: number;
  /**
   * Share of the cap the random draw may take off: 1 is full jitter (uniform in (0, cap]), 0.25 the
   * official SDKs' schedule (the default), 0 none. Jitter keeps many clients from retrying together.
   */
  readonly jitter?: number;
  /** Numbers in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/**
 * The wait after failed attempt number `attempt` (from 1): cap = min(max, initial × multiplier^(attempt−1)),
 * minus up to `jitter` of it at random.
 *
 * @example
 * backoffDelayMs(3, { random: () => 0 }); // 2000
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const { initialDelayMs = 500, maxDelayMs = 8_000, multiplier = 2, jitter = 0.25 } = options;
  const random = options.random ?? Math.random;
  const exponent = Math.max(0, attempt - 1);
  const cap = Math.min(maxDelayMs, initialDelayMs * multiplier ** exponent);
  return cap * (1 - jitter * random());
}

/** A server asking for a longer wait than this ends the retries: the error carries `retryAfterMs`. */
export const MAX_RETRY_AFTER_MS = 60_000;

export interface RetryOptions {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly signal?: AbortSignalLike | undefined;
  /** Numbers in [0, 1) for jitter. Default Math.random. */
  readonly random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, fails with an error not worth retrying, or the retries are used
 * up. For adapters whose transport has no retries of its own (the Anthropic SDK has): retryable
 * @sluice/llm errors are tried again after the wait the server asked for, else after
 * `backoffDelayMs`; quota errors never are.
 *
 * @example
 * const response = await withRetries((n) => sendOnce(n), { maxRetries: request.transportRetries ?? 2, signal });
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
  random: () => number = Math.random,
): number | undefined {
  if (!isLlmError(error) || !error.retryable || error.code === "quota_exceeded") return undefined;
  if (error.retryAfterMs !== undefined) {
    return error.retryAfterMs <= MAX_RETRY_AFTER_MS ? error.retryAfterMs : undefined;
  }
  return backoffDelayMs(attemptNumber, { random });
}
