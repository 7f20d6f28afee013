import { createHash } from "node:crypto";
import { Throttle, type ThrottleOptions } from "@sluice/throttle";
import { RedisThrottleStore } from "@sluice/throttle-redis";
import type { SummarizerOptions } from "../options.js";

/**
 * The name of the quota a worker draws on: one per provider, server and API key, because a rate limit
 * belongs to a key. The key itself never reaches Redis, only a digest of it.
 */
export function quotaName(options: Pick<SummarizerOptions, "provider" | "baseUrl" | "apiKey">): string {
  const digest = createHash("sha256")
    .update(`${options.provider}\n${options.baseUrl ?? ""}\n${options.apiKey ?? ""}`)
    .digest("hex")
    .slice(0, 16);
  return `summarize:${options.provider}:${digest}`;
}

/**
 * The shared quota of a pool: every worker's throttle keeps its buckets (requests, input and output
 * tokens per minute, learned limits, 429 pauses) in the pool's Redis, so N workers on one key spend
 * one quota between them instead of each believing it owns the whole of it.
 */
export class SharedQuota {
  private constructor(private readonly store: RedisThrottleStore) {}

  static async connect(
    redisUrl: string,
    options: Pick<SummarizerOptions, "provider" | "baseUrl" | "apiKey">,
  ): Promise<SharedQuota> {
    return new SharedQuota(await RedisThrottleStore.connect({ url: redisUrl, quota: quotaName(options) }));
  }

  /** Builds the throttle a pool worker's model calls go through, on the shared buckets. */
  throttle(options: ThrottleOptions): Throttle {
    return new Throttle({ ...options, store: this.store });
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
