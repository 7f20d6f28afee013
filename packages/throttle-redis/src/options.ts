import { ThrottleArgumentError } from "@sluice/throttle";

export interface RedisThrottleStoreOptions {
  /** Where Redis listens, e.g. `redis://127.0.0.1:6379` (`rediss://` for TLS, `/2` for database 2). */
  readonly url: string;
  /**
   * The name of the shared quota: every process that passes the same name draws on the same buckets.
   * Name it after the API key it stands for (never the key itself), e.g. `anthropic:team-key`.
   * Processes sharing a quota must configure the same dimensions (custom ones in the same order).
   */
  readonly quota: string;
  /**
   * A concurrency cap across every process sharing the quota (each throttle's own `concurrency`
   * still applies too). Default: none.
   */
  readonly concurrency?: number;
  /**
   * The share of a bucket's burst a process leases at a time (0 < share ≤ 1). Larger leases mean fewer
   * trips to Redis and more units idle in one process. Default 0.05.
   */
  readonly leaseShare?: number;
  /** How long a process's leases and slots outlive its last heartbeat (a killed process's expire). Default 10,000 ms. */
  readonly leaseTtlMs?: number;
  /** How often a process renews its leases, reports spending and gives back idle units. Default 1,000 ms. */
  readonly heartbeatMs?: number;
  /** How long `connect` waits for Redis before RedisUnreachableError. Default 3,000 ms. */
  readonly connectTimeoutMs?: number;
}

export interface ResolvedStoreOptions {
  readonly url: string;
  readonly quota: string;
  readonly concurrency: number | undefined;
  readonly leaseShare: number;
  readonly leaseTtlMs: number;
  readonly heartbeatMs: number;
  readonly connectTimeoutMs: number;
}

const KNOWN = new Set([
  "url",
  "quota",
  "concurrency",
  "leaseShare",
  "leaseTtlMs",
  "heartbeatMs",
  "connectTimeoutMs",
]);

export function resolveStoreOptions(options: RedisThrottleStoreOptions): ResolvedStoreOptions {
  if (typeof options !== "object" || options === null) {
    throw new ThrottleArgumentError(
      'RedisThrottleStore.connect needs options, e.g. { url: "redis://127.0.0.1:6379", quota: "anthropic:team-key" }.',
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new ThrottleArgumentError(
        `Unknown RedisThrottleStore option "${key}"; known: ${[...KNOWN].join(", ")}.`,
      );
    }
  }
  const { url, quota } = options;
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
    throw new ThrottleArgumentError(
      `url must be a Redis URL such as "redis://127.0.0.1:6379" (got ${JSON.stringify(url)}).`,
    );
  }
  if (typeof quota !== "string" || quota.trim() === "") {
    throw new ThrottleArgumentError(
      `quota must name the shared quota, e.g. "anthropic:team-key" (got ${JSON.stringify(quota)}).`,
    );
  }
  const leaseShare = options.leaseShare ?? 0.05;
  if (typeof leaseShare !== "number" || !(leaseShare > 0 && leaseShare <= 1)) {
    throw new ThrottleArgumentError(`leaseShare must be a number in (0, 1], e.g. 0.05 (got ${leaseShare}).`);
  }
  const heartbeatMs = positive(options.heartbeatMs ?? 1_000, "heartbeatMs");
  const leaseTtlMs = positive(options.leaseTtlMs ?? 10_000, "leaseTtlMs");
  if (leaseTtlMs < 2 * heartbeatMs) {
    throw new ThrottleArgumentError(
      `leaseTtlMs (${leaseTtlMs}) must be at least twice heartbeatMs (${heartbeatMs}), or live processes lose their leases.`,
    );
  }
  const concurrency = options.concurrency;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new ThrottleArgumentError(`concurrency must be a positive integer (got ${concurrency}).`);
  }
  return {
    url,
    quota,
    concurrency,
    leaseShare,
    leaseTtlMs,
    heartbeatMs,
    connectTimeoutMs: positive(options.connectTimeoutMs ?? 3_000, "connectTimeoutMs"),
  };
}

function positive(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ThrottleArgumentError(`${name} must be a positive number of ms (got ${String(value)}).`);
  }
  return value;
}
