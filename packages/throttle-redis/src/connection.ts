import { Redis } from "ioredis";
import { RedisUnreachableError } from "./errors.js";
import { LEASE, PAUSE, STATE, UPDATE } from "./scripts.js";

/** A Redis connection with the quota's scripts defined on it. */
export interface QuotaClient extends Redis {
  sluiceLease(prefix: string, ...args: string[]): Promise<string[]>;
  sluiceUpdate(prefix: string, ...args: string[]): Promise<number>;
  sluicePause(prefix: string, ms: string, reason: string): Promise<number>;
  sluiceState(prefix: string): Promise<string[]>;
}

/** Every key of one quota starts with this (the braces keep them in one Redis Cluster slot). */
export function quotaPrefix(quota: string): string {
  return `sluice:{${quota}}:`;
}

/**
 * Connects the store's client once, within `timeoutMs`, or throws RedisUnreachableError naming the
 * URL. Once connected, a lost connection is retried for as long as the process runs (admission
 * waits meanwhile).
 */
export async function connectClient(url: string, timeoutMs: number): Promise<QuotaClient> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // Commands fail at once while disconnected: admission then runs on the lease and waits.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    // No retries until the first connection is up: `connectWithin` reports the first failure.
    retryStrategy: () => null,
  }) as QuotaClient;
  // Errors while reconnecting are expected during an outage: admission waits for the reconnect.
  client.on("error", () => {});
  client.defineCommand("sluiceLease", { numberOfKeys: 1, lua: LEASE });
  client.defineCommand("sluiceUpdate", { numberOfKeys: 1, lua: UPDATE });
  client.defineCommand("sluicePause", { numberOfKeys: 1, lua: PAUSE });
  client.defineCommand("sluiceState", { numberOfKeys: 1, lua: STATE });
  await connectWithin(client, url, timeoutMs);
  client.options.retryStrategy = (times: number) => Math.min(50 * times, 500);
  return client;
}

/**
 * Connects an ioredis client made with `lazyConnect: true` and waits until Redis answers, within
 * `timeoutMs`; else disconnects it and throws RedisUnreachableError naming `url`, with Redis's own
 * error (ECONNREFUSED, a DNS failure, a refused AUTH) as the cause. A wrong URL at start is a setup
 * mistake to report, not something to retry forever; what the client does once up (reconnect,
 * queue commands) is its own options' business. `@sluice/bullmq` connects its clients with it too,
 * so both packages fail the same way.
 *
 * @example
 * const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
 * await connectWithin(redis, url, 5_000); // or RedisUnreachableError
 */
export async function connectWithin(
  // Only what it calls: a client from another copy of ioredis fits too.
  client: Pick<Redis, "connect" | "disconnect" | "on" | "off">,
  url: string,
  timeoutMs: number,
): Promise<void> {
  // connect() rejects with a bare "Connection is closed."; the reason comes as an "error" event.
  let lastError: unknown;
  const onError = (error: unknown) => {
    lastError = error;
  };
  client.on("error", onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    client.disconnect();
    throw new RedisUnreachableError(url, { cause: lastError ?? error });
  } finally {
    clearTimeout(timer);
    client.off("error", onError);
  }
}
