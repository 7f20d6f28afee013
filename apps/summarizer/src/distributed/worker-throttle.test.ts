import { type RedisServer, redisServerForTests, startRedisServer } from "@sluice/throttle-redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quotaName, SharedQuota } from "./worker-throttle.js";

const anthropic = {
  provider: "anthropic" as const,
  baseUrl: "http://127.0.0.1:9/",
  apiKey: "sk-ant-secret-1",
};

describe("quotaName", () => {
  it("names one quota per provider, server and key, and never contains the key", () => {
    const name = quotaName(anthropic);
    expect(name).toMatch(/^summarize:anthropic:[0-9a-f]{16}$/);
    expect(name).not.toContain("secret");
    expect(quotaName({ ...anthropic })).toBe(name);
    expect(quotaName({ ...anthropic, apiKey: "sk-ant-secret-2" })).not.toBe(name);
    expect(quotaName({ ...anthropic, baseUrl: "http://127.0.0.1:10/" })).not.toBe(name);
  });
});

const binary = redisServerForTests();

describe.skipIf(binary === undefined)("SharedQuota: the pool's workers spend one quota", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it("what one worker spends, another worker on the same key cannot; a worker on another key can", async () => {
    const quotas = await Promise.all([
      SharedQuota.connect(redis.url, anthropic),
      SharedQuota.connect(redis.url, anthropic),
      SharedQuota.connect(redis.url, { ...anthropic, apiKey: "sk-ant-other" }),
    ]);
    // Three requests of burst, then one every 10 s: the first worker spends the whole burst.
    const limits = { concurrency: 10, requestsPerMinute: { perMinute: 6, burst: 3 } };
    const [first, second, otherKey] = quotas.map((quota) => quota.throttle(limits));
    try {
      await Promise.all([1, 2, 3].map(() => first!.run(async () => "ok")));
      // Seconds before the next request refills: a throttle of its own would start this at once.
      const waited = AbortSignal.timeout(1_500);
      await expect(second!.run(async () => "started", { signal: waited })).rejects.toThrow();
      expect(second!.stats().succeeded).toBe(0);
      await expect(otherKey!.run(async () => "started")).resolves.toBe("started");
    } finally {
      for (const throttle of [first, second, otherKey]) await throttle!.close();
      for (const quota of quotas) await quota.close();
    }
  });
});
