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
 * Connects once, within `timeoutMs`, or throws RedisUnreachableError naming the URL: a wrong URL at
 * start is a setup mistake to report, not something to retry forever. Once connected, a lost
 * connection is retried for as long as the process runs (admission waits meanwhile).
 */
export async function connectClient(url: string, timeoutMs: number): Promise<QuotaClient> {
  let lastError: unknown;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // Commands fail at once while disconnected: admission then runs on the lease and waits.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    retryStrategy: () => null,
  }) as QuotaClient;
  client.on("error", (error: unknown) => {
    lastError = error;
  });
  client.defineCommand("sluiceLease", { numberOfKeys: 1, lua: LEASE });
  client.defineCommand("sluiceUpdate", { numberOfKeys: 1, lua: UPDATE });
  client.defineCommand("sluicePause", { numberOfKeys: 1, lua: PAUSE });
  client.defineCommand("sluiceState", { numberOfKeys: 1, lua: STATE });
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
  }
  client.options.retryStrategy = (times: number) => Math.min(50 * times, 500);
  return client;
}
