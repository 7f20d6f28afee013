import { ThrottleError } from "@sluice/throttle";

/**
 * Redis could not be reached at start: a `RedisThrottleStore` connecting, or `@sluice/bullmq`'s
 * runner or worker starting (that package re-exports this class, so `instanceof` holds for both).
 * Nothing was sent; the message names the URL and what to do.
 */
export class RedisUnreachableError extends ThrottleError {
  readonly url: string;

  constructor(url: string, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? ` (${options.cause.message})` : "";
    super(
      "redis_unreachable",
      `Could not reach Redis at ${url}${reason}. Start a server (apt install redis-server, or brew install redis, then redis-server) or pass the URL of a running one.`,
      options,
    );
    this.url = url;
  }
}
