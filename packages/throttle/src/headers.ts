/**
 * Reading the rate-limit headers providers send: Anthropic's `anthropic-ratelimit-*` (RFC 3339
 * resets), OpenAI-style `x-ratelimit-*` (Go-duration resets such as `6m0s` or `20ms`),
 * `retry-after` (seconds or an HTTP date), `retry-after-ms` and `x-should-retry`.
 */

/** A fetch `Headers` object, or a plain record of header values (any case, arrays allowed). */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What the provider said about one dimension's bucket. */
export interface RateLimitWindow {
  /** The per-minute limit. */
  readonly limit?: number;
  /** Units left in the bucket when the provider answered. */
  readonly remaining?: number;
  /** When the bucket is full again (epoch ms). */
  readonly resetAt?: number;
}

export interface RateLimitHeaders {
  /** From `retry-after-ms`, else `retry-after`. */
  readonly retryAfterMs?: number;
  /** From `x-should-retry` ("true"/"false"), when present. */
  readonly shouldRetry?: boolean;
  readonly requests?: RateLimitWindow;
  readonly inputTokens?: RateLimitWindow;
  readonly outputTokens?: RateLimitWindow;
  /** The combined tokens bucket (OpenAI's one tokens limit, or Anthropic's `tokens-*`; see below). */
  readonly tokens?: RateLimitWindow;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Extracts the rate-limit information from response headers, or undefined when there is none.
 * `now` converts relative resets into times. Anthropic's `anthropic-ratelimit-tokens-*` reports the
 * most restrictive token limit, which the separate input and output buckets already enforce; it is
 * used as the combined `tokens` bucket only when a response carries no input/output headers.
 *
 * @example
 * parseRateLimitHeaders({ "x-ratelimit-remaining-tokens": "149984", "x-ratelimit-reset-tokens": "6m0s" }, Date.now())
 * // → { tokens: { remaining: 149984, resetAt: <now + 360000> } }
 */
export function parseRateLimitHeaders(headers: HeadersLike, now: number): RateLimitHeaders | undefined {
  const read = headerReader(headers);
  if (read === undefined) return undefined;
  const result: Mutable<RateLimitHeaders> = {};
  let found = false;

  const retryAfterMs = parseNumber(read("retry-after-ms")) ?? parseRetryAfter(read("retry-after"), now);
  if (retryAfterMs !== undefined) {
    result.retryAfterMs = retryAfterMs;
    found = true;
  }
  const shouldRetry = read("x-should-retry")?.trim().toLowerCase();
  if (shouldRetry === "true" || shouldRetry === "false") {
    result.shouldRetry = shouldRetry === "true";
    found = true;
  }

  const anthropic = (name: string): RateLimitWindow | undefined =>
    window(
      read(`anthropic-ratelimit-${name}-limit`),
      read(`anthropic-ratelimit-${name}-remaining`),
      parseTime(read(`anthropic-ratelimit-${name}-reset`)),
    );
  const openai = (name: string): RateLimitWindow | undefined => {
    const reset = parseGoDuration(read(`x-ratelimit-reset-${name}`));
    return window(
      read(`x-ratelimit-limit-${name}`),
      read(`x-ratelimit-remaining-${name}`),
      reset === undefined ? undefined : now + reset,
    );
  };

  const requests = anthropic("requests") ?? openai("requests");
  const inputTokens = anthropic("input-tokens");
  const outputTokens = anthropic("output-tokens");
  const tokens = openai("tokens") ?? (inputTokens || outputTokens ? undefined : anthropic("tokens"));
  if (requests) result.requests = requests;
  if (inputTokens) result.inputTokens = inputTokens;
  if (outputTokens) result.outputTokens = outputTokens;
  if (tokens) result.tokens = tokens;
  found ||= requests !== undefined || inputTokens !== undefined || outputTokens !== undefined || !!tokens;
  return found ? result : undefined;
}

// Dependency-free copy of @sluice/llm durations.ts, checked by @sluice/test-tables go-durations.json and retry-after.json.

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

/**
 * A Go duration (`6m0s`, `2m59.56s`, `20ms`, `1h2m`, `1.5µs`) or a plain number of seconds, in ms.
 *
 * @example
 * parseGoDuration("2m59.56s") // → 179560
 */
export function parseGoDuration(text: string | undefined | null): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const seconds = parseNumber(value);
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
 * A `retry-after` value in ms: delay-seconds (fractions accepted) or an HTTP date, counted from `now`
 * (a date in the past is 0).
 *
 * @example
 * parseRetryAfter("30", Date.now()) // → 30000
 */
export function parseRetryAfter(text: string | undefined | null, now: number): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const seconds = parseNumber(value);
  if (seconds !== undefined) return seconds * 1000;
  // Only a date-looking value: Date.parse also reads bare numbers such as "-5" as years.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function window(
  limitText: string | undefined,
  remainingText: string | undefined,
  resetAt: number | undefined,
): RateLimitWindow | undefined {
  const limit = parseNumber(limitText);
  const remaining = parseNumber(remainingText);
  const result: Mutable<RateLimitWindow> = {};
  if (limit !== undefined && limit > 0) result.limit = limit;
  if (remaining !== undefined) result.remaining = remaining;
  if (resetAt !== undefined) result.resetAt = resetAt;
  return result.limit === undefined && result.remaining === undefined ? undefined : result;
}

function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** A plain non-negative decimal number (no sign, no exponent), or undefined for anything else. */
function parseNumber(text: string | undefined): number | undefined {
  const value = text?.trim();
  return value && PLAIN_NUMBER.test(value) ? Number(value) : undefined;
}

/** A case-insensitive lookup over either header shape, or undefined when `headers` is neither. */
function headerReader(headers: HeadersLike): ((name: string) => string | undefined) | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === "function") {
    return (name) => (get.call(headers, name) as string | null | undefined) ?? undefined;
  }
  const lowered = new Map<string, string>();
  for (const [key, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") lowered.set(key.toLowerCase(), first);
  }
  return (name) => lowered.get(name);
}
