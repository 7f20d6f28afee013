/**
 * OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` headers. Resets are Go durations
 * ("1s", "6m0s", "2m59.56s", "20ms") measuring the time until the bucket is full again, and the
 * buckets refill continuously; so the wait for one more request is a fraction of the reset, not all
 * of it.
 */

const GO_DURATION_PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration, or a plain number of seconds, in ms; undefined when it is neither.
 *
 * @example
 * parseGoDuration("2m59.56s"); // 179560
 * parseGoDuration("20ms"); // 20
 */
export function parseGoDuration(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  let total = 0;
  let rest = value;
  while (rest.length > 0) {
    const match = GO_DURATION_PART.exec(rest);
    const unit = match ? UNIT_MS[match[2] as string] : undefined;
    if (!match || unit === undefined) return undefined;
    total += Number(match[1]) * unit;
    rest = rest.slice(match[0].length);
  }
  return total;
}

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
