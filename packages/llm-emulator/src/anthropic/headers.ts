import type { BucketSnapshot, RateLimitBuckets } from "../buckets.js";

/**
 * The `anthropic-ratelimit-*` headers as the API sends them: limit, remaining and reset (the RFC 3339
 * time at which the bucket is full again) for requests, input tokens and output tokens, token
 * remainders rounded to the nearest thousand, and `tokens-*` repeating whichever token bucket has the
 * fewest tokens left. Dimensions without a limit are left out.
 */
export function anthropicRateLimitHeaders(buckets: RateLimitBuckets, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  const requests = buckets.snapshot("requests");
  const input = buckets.snapshot("inputTokens");
  const output = buckets.snapshot("outputTokens");
  if (requests) describe(headers, "requests", requests, Math.floor(requests.remaining), now);
  if (input) describe(headers, "input-tokens", input, roundThousand(input), now);
  if (output) describe(headers, "output-tokens", output, roundThousand(output), now);
  const tightest = [input, output]
    .filter((snapshot): snapshot is BucketSnapshot => snapshot !== undefined)
    .sort((a, b) => a.remaining - b.remaining)[0];
  if (tightest) describe(headers, "tokens", tightest, roundThousand(tightest), now);
  return headers;
}

function describe(
  headers: Record<string, string>,
  name: string,
  snapshot: BucketSnapshot,
  remaining: number,
  now: number,
): void {
  headers[`anthropic-ratelimit-${name}-limit`] = String(snapshot.limit);
  headers[`anthropic-ratelimit-${name}-remaining`] = String(remaining);
  headers[`anthropic-ratelimit-${name}-reset`] = new Date(
    now + Math.ceil(snapshot.msUntilFull),
  ).toISOString();
}

function roundThousand(snapshot: BucketSnapshot): number {
  return Math.min(snapshot.limit, Math.max(0, Math.round(snapshot.remaining / 1000) * 1000));
}
