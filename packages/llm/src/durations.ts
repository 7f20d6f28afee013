/**
 * The time values providers put in headers: `retry-after-ms`, `retry-after` (delay-seconds or an
 * HTTP date) and OpenAI-style `x-ratelimit-reset-*` Go durations (`6m0s`, `2m59.56s`, `20ms`).
 * The edge cases are pinned down in @sluice/test-tables (`retry-after.json`, `go-durations.json`),
 * which the dependency-free copies in @sluice/core and @sluice/throttle pass too.
 */

import { type HeadersLike, headersToRecord } from "./headers.js";

// Digits with an optional fraction: no sign (a wait is never negative, and "+2" is a server bug),
// no exponent ("1e3" would turn a typo into a 17-minute stall), no dangling dot ("5." looks cut).
const PLAIN_NUMBER = /^(\d+(\.\d+)?|\.\d+)$/;
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

/** A plain non-negative decimal number, or undefined for anything else (signs and exponents included). */
export function parsePlainNumber(text: string | undefined | null): number | undefined {
  const value = text?.trim();
  if (!value || !PLAIN_NUMBER.test(value)) return undefined;
  return Number(value);
}

/**
 * A Go duration, or a bare number of seconds, in ms; undefined when it is neither.
 *
 * @example
 * parseGoDuration("2m59.56s"); // 179560
 * parseGoDuration("20ms"); // 20
 * parseGoDuration("7"); // 7000
 */
export function parseGoDuration(text: string | undefined | null): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const seconds = parsePlainNumber(value);
  if (seconds !== undefined) return seconds * 1000;
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

/**
 * A `retry-after` value in ms: delay-seconds (a decimal fraction accepted) or an HTTP date counted
 * from `now` (a date in the past is 0); undefined for anything else.
 *
 * @example
 * parseRetryAfter("30", Date.now()); // 30000
 */
export function parseRetryAfter(
  text: string | undefined | null,
  now: number = Date.now(),
): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const seconds = parsePlainNumber(value);
  if (seconds !== undefined) return seconds * 1000;
  // Only a date-looking value: Date.parse also reads bare numbers such as "-5" as years.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long the provider asked to wait, from `retry-after-ms` (when it is a valid number) or
 * `retry-after` (seconds or an HTTP date), in ms; undefined when it did not say.
 *
 * @example
 * retryAfterMsFromHeaders({ "retry-after-ms": "1500", "retry-after": "2" }); // 1500
 */
export function retryAfterMsFromHeaders(
  headers: HeadersLike | undefined | null,
  now: number = Date.now(),
): number | undefined {
  const record = headersToRecord(headers);
  return parsePlainNumber(record["retry-after-ms"]) ?? parseRetryAfter(record["retry-after"], now);
}
