// The store against a real redis-server: sharing, learned limits, shared pauses, bad input.
import { Throttle, ThrottleArgumentError } from "@sluice/throttle";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectWithin } from "./connection.js";
import { RedisUnreachableError } from "./errors.js";
import { RedisThrottleStore } from "./store.js";
import { freePort, type RedisServer, redisServerForTests, startRedisServer } from "./testing/index.js";

const binary = redisServerForTests();

describe.skipIf(binary === undefined)("RedisThrottleStore", () => {
  let server: RedisServer;
  const stores: RedisThrottleStore[] = [];
  let quotas = 0;

  beforeAll(async () => {
    server = await startRedisServer({ binary });
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await server?.close();
  });

  async function connect(
    quota: string,
    extra: Partial<Parameters<typeof RedisThrottleStore.connect>[0]> = {},
  ) {
    const store = await RedisThrottleStore.connect({ url: server.url, quota, ...extra });
    stores.push(store);
    return store;
  }
  const freshQuota = () => `test-${process.pid}-${quotas++}`;

  it("two throttles on one quota admit one bucket's worth between them, not two", async () => {
    const quota = freshQuota();
    const limits = { requestsPerMinute: { perMinute: 60, burst: 10 } };
    const a = new Throttle({ ...limits, store: await connect(quota) });
    const b = new Throttle({ ...limits, store: await connect(quota) });
    let started = 0;
    const jobs = [a, b].flatMap((throttle) =>
      Array.from({ length: 10 }, () =>
        throttle.run(() => {
          started++;
        }),
      ),
    );
    // 10 units in the burst, 1 per second after: well under 14 within 2 s, wherever they started.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(started).toBeGreaterThanOrEqual(10);
    expect(started).toBeLessThanOrEqual(10 + 2 + 1);
    await Promise.all([a.close(), b.close()]);
    await Promise.allSettled(jobs);
  });

  it("a limit learned by one process is known to the others", async () => {
    const quota = freshQuota();
    const first = await connect(quota);
    const second = await connect(quota);
    const a = new Throttle({ store: first });
    const b = new Throttle({ store: second });
    const limits: unknown[] = [];
    a.on("limit", (event) => limits.push(event));
    a.observe({
      status: 200,
      headers: {
        "anthropic-ratelimit-input-tokens-limit": "30000",
        "anthropic-ratelimit-input-tokens-remaining": "30000",
        "anthropic-ratelimit-input-tokens-reset": new Date(Date.now() + 60_000).toISOString(),
      },
    });
    expect(limits.length).toBeGreaterThanOrEqual(1);
    await until(() => b.stats().buckets.inputTokens !== undefined);
    expect(b.stats().buckets.inputTokens?.perMinute).toBe(30_000);
    // A process that joins later reads it from Redis.
    const late = new Throttle({ store: await connect(quota) });
    expect(late.stats().buckets.inputTokens?.perMinute).toBe(30_000);
    await Promise.all([a.close(), b.close(), late.close()]);
  });

  it("a 429 with retry-after seen by one process pauses every process", async () => {
    const quota = freshQuota();
    const a = new Throttle({ requestsPerMinute: 6_000, store: await connect(quota) });
    const b = new Throttle({ requestsPerMinute: 6_000, store: await connect(quota) });
    const pauses: unknown[] = [];
    b.on("pause", (event) => pauses.push(event));
    a.observe({ status: 429, headers: { "retry-after": "2" } });
    await until(() => pauses.length > 0);
    let startedAt = 0;
    const submittedAt = Date.now();
    await b.run(() => {
      startedAt = Date.now();
    });
    expect(startedAt - submittedAt).toBeGreaterThanOrEqual(1_500);
    expect(b.stats().pauseReason).toBe(undefined); // over by now
    await Promise.all([a.close(), b.close()]);
  });

  it("usage refunds reach the shared bucket", async () => {
    const quota = freshQuota();
    const limits = { inputTokensPerMinute: { perMinute: 600, burst: 1_000 } };
    const a = new Throttle({ ...limits, store: await connect(quota, { leaseShare: 0.01 }) });
    const b = new Throttle({ ...limits, store: await connect(quota, { leaseShare: 0.01 }) });
    // a reserves the whole burst, then reports it used only 100: b can take 800 at once.
    await a.run(({ reportUsage }) => reportUsage({ inputTokens: 100 }), { cost: { inputTokens: 1_000 } });
    const submittedAt = Date.now();
    await b.run(() => {}, { cost: { inputTokens: 800 } });
    // Without the refund b would wait 80 s for 800 tokens at 10 per second.
    expect(Date.now() - submittedAt).toBeLessThan(10_000);
    await Promise.all([a.close(), b.close()]);
  });

  it("a shared concurrency cap holds across processes", async () => {
    const quota = freshQuota();
    const throttles = await Promise.all(
      [0, 1, 2].map(
        async () => new Throttle({ concurrency: 5, store: await connect(quota, { concurrency: 3 }) }),
      ),
    );
    let running = 0;
    let peak = 0;
    const jobs = throttles.flatMap((throttle) =>
      Array.from({ length: 8 }, () =>
        throttle.run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running--;
        }),
      ),
    );
    await Promise.all(jobs);
    expect(peak).toBe(3);
    await Promise.all(throttles.map((throttle) => throttle.close()));
  });

  it("rejects an unreachable URL within a few seconds, naming it", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const error = await RedisThrottleStore.connect({ url, quota: "q" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisUnreachableError);
    expect((error as RedisUnreachableError).code).toBe("redis_unreachable");
    expect((error as Error).message).toContain(url);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("connectWithin: another client reaches a running Redis, or fails the same way with Redis's own reason", async () => {
    const up = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: null });
    await connectWithin(up, server.url, 5_000);
    expect(await up.ping()).toBe("PONG");
    up.disconnect();

    const url = `redis://127.0.0.1:${await freePort()}`;
    const down = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
    const error = await connectWithin(down, url, 5_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisUnreachableError);
    expect((error as Error).message).toContain(url);
    expect((error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    // It gave up: no reconnect follows (the first would come within 50 ms).
    let attempts = 0;
    down.on("connecting", () => attempts++);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(attempts).toBe(0);
  });

  it("rejects bad options with what to pass", async () => {
    await expect(RedisThrottleStore.connect({ url: "localhost:6379", quota: "q" })).rejects.toThrow(
      /redis:\/\/127\.0\.0\.1:6379/,
    );
    await expect(RedisThrottleStore.connect({ url: server.url, quota: "" })).rejects.toBeInstanceOf(
      ThrottleArgumentError,
    );
    await expect(
      RedisThrottleStore.connect({ url: server.url, quota: "q", concurency: 3 } as never),
    ).rejects.toThrow(/Unknown RedisThrottleStore option "concurency"/);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
