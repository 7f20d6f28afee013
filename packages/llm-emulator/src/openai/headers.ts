import type { BucketSnapshot, RateLimitBuckets } from "../buckets.js";
import type { Runtime } from "../runtime.js";

/**
 * A duration the way Go prints it, which is how OpenAI's `x-ratelimit-reset-*` headers come:
 * "20ms", "1s", "6m0s", "2m59.56s", "1h0m0s". Rounded up to whole milliseconds.
 */
export function formatGoDuration(ms: number): string {
  const total = Math.ceil(Math.max(0, ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1000;
  const secondsText = `${Number.parseFloat(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

/**
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`: exact remaining values, and resets as the
 * Go duration until the bucket is full again. Dimensions without a limit are left out.
 */
export function openaiRateLimitHeaders(buckets: RateLimitBuckets): Record<string, string> {
  const headers: Record<string, string> = {};
  const describe = (name: string, snapshot: BucketSnapshot | undefined) => {
    if (!snapshot) return;
    headers[`x-ratelimit-limit-${name}`] = String(snapshot.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(Math.floor(snapshot.remaining));
    headers[`x-ratelimit-reset-${name}`] = formatGoDuration(snapshot.msUntilFull);
  };
  describe("requests", buckets.snapshot("requests"));
  describe("tokens", buckets.snapshot("tokens"));
  return headers;
}

/** The x-ratelimit headers of a 200 or 429, or none in no-headers mode. */
export function limitHeaders(runtime: Runtime): Record<string, string> {
  return runtime.options().rateLimitHeaders ? openaiRateLimitHeaders(runtime.openaiBuckets) : {};
}
