import { Throttle, type ThrottleOptions, type ThrottleStore } from "@sluice/throttle";

/**
 * THE SEAM for the shared quota: builds the throttle a pool worker's model calls go through.
 * Today every worker gets its own in-memory buckets (each believes it owns the whole quota, and the
 * provider's rate-limit headers pull them back). Pass a ThrottleStore shared by every worker, e.g.
 * `await RedisThrottleStore.connect({ url, quota })` from @sluice/throttle-redis, and all of them
 * draw on one set of buckets.
 */
export function workerThrottle(options: ThrottleOptions, store?: ThrottleStore): Throttle {
  return new Throttle(store === undefined ? options : { ...options, store });
}
