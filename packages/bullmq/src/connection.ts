import { connectWithin } from "@sluice/throttle-redis";
import { Redis, type RedisOptions } from "ioredis";

/** A Redis URL (`redis://host:6379`) or ioredis options with a host and port. */
export type RedisConnection = string | RedisOptions;

export function describeConnection(connection: RedisConnection): string {
  if (typeof connection === "string") return connection;
  return `redis://${connection.host ?? "127.0.0.1"}:${connection.port ?? 6379}`;
}

/**
 * Connects and waits until Redis answers, failing fast with the URL when it does not. Once up, the
 * client reconnects for ever and queues commands meanwhile (`maxRetriesPerRequest: null`, as BullMQ
 * requires), so a Redis restart mid-run pauses the work instead of losing it.
 */
export async function connectRedis(connection: RedisConnection, timeoutMs = 5_000): Promise<Redis> {
  const url = describeConnection(connection);
  const options: RedisOptions = { maxRetriesPerRequest: null, lazyConnect: true };
  const redis =
    typeof connection === "string"
      ? new Redis(connection, options)
      : new Redis({ ...connection, ...options });
  // Errors while reconnecting are expected during an outage; the commands wait for the reconnect.
  redis.on("error", () => {});
  await connectWithin(redis, url, timeoutMs);
  return redis;
}
