import { parseGoDuration } from "@sluice/llm";

/**
 * OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` headers. Resets are Go durations
 * ("1s", "6m0s", "2m59.56s", "20ms") measuring the time until the bucket is full again, and the
 * buckets refill continuously; so the wait for one more request is a fraction of the reset, not all
 * of it. The Go-duration parser itself is @sluice/llm's `parseGoDuration`.
 */

export type RateLimitDimension = "requests" | "tokens";

export interface RateLimitWaitOptions {
  /**
   * Which bucket refused the call; OpenAI names it in the 429 body's `error.type` ("requests" or
   * "tokens"). Unknown: every bucket too low for the call is considered.
   */
  readonly dimension?: RateLimitDimension | undefined;
  /** Tokens the refused call needs (OpenAI charges max(max_tokens, input estimate) up front). Default 1. */
  readonly tokensNeeded?: number | undefined;
}

/**
 * How long until the refused bucket holds enough for the call again, from the `x-ratelimit-*`
 * headers of a 429, assuming continuous refill (rate = (limit − remaining) / reset); never more than
 * the reset itself. Undefined when the headers do not say.
 *
 * @example
 * rateLimitWaitMs({ "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0",
 *   "x-ratelimit-reset-requests": "1m0s" }, { dimension: "requests" }); // 1000
 */
export function rateLimitWaitMs(
  headers: Readonly<Record<string, string>>,
  options: RateLimitWaitOptions = {},
): number | undefined {
  const needs: Record<RateLimitDimension, number> = {
    requests: 1,
    tokens: Math.max(1, options.tokensNeeded ?? 1),
  };
  const dimensions: RateLimitDimension[] = options.dimension ? [options.dimension] : ["requests", "tokens"];
  let wait: number | undefined;
  for (const dimension of dimensions) {
    const reset = parseGoDuration(headers[`x-ratelimit-reset-${dimension}`]);
    if (reset === undefined) continue;
    const limit = toNumber(headers[`x-ratelimit-limit-${dimension}`]);
    const remaining = toNumber(headers[`x-ratelimit-remaining-${dimension}`]);
    const need = needs[dimension];
    // Without a named dimension, a bucket that still holds enough did not refuse the call.
    if (!options.dimension && remaining !== undefined && remaining >= need) continue;
    let ms = reset;
    if (limit !== undefined && remaining !== undefined && limit > remaining && need <= limit && reset > 0) {
      const perMs = (limit - remaining) / reset;
      ms = Math.min(reset, Math.max(0, need - remaining) / perMs);
    }
    wait = wait === undefined ? ms : Math.max(wait, ms);
  }
  return wait === undefined ? undefined : Math.ceil(wait);
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
