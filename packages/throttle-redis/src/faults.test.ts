// Faults with real processes: a holder killed with SIGKILL, and Redis stopped and restarted mid-run.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Throttle } from "@sluice/throttle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisThrottleStore } from "./store.js";
import { type RedisServer, redisServerForTests, startRedisServer } from "./testing/index.js";

const binary = redisServerForTests();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(binary === undefined)("faults", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer({ binary });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a killed process's concurrency slots expire, and the others take them", async () => {
    const quota = `killed-${process.pid}`;
    const ttlMs = 2_000;
    const fixture = fileURLToPath(new URL("./testing/hold-slots.fixture.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fixture, server.url, quota, "2", String(ttlMs)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the child never said it holds the slots")), 30_000);
        child.stdout!.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("holding")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => reject(new Error(`the child exited (${code}) before holding`)));
      });
      const store = await RedisThrottleStore.connect({ url: server.url, quota, concurrency: 2 });
      const throttle = new Throttle({ store });
      const startedAt: number[] = [];
      const jobs = [0, 1].map(() => throttle.run(() => void startedAt.push(Date.now())));
      await sleep(500);
      expect(startedAt, "the live child holds both slots").toHaveLength(0);
      const killedAt = Date.now();
      child.kill("SIGKILL");
      await Promise.all(jobs);
      expect(startedAt).toHaveLength(2);
      // The slots come back once the dead holder's lease runs out (plus a heartbeat on a loaded machine).
      for (const at of startedAt) expect(at - killedAt).toBeLessThan(ttlMs + 10_000);
      await throttle.close();
      await store.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  it("Redis lost mid-run: admission stops once the lease is spent, and goes on when Redis is back", async () => {
    const quota = `restart-${process.pid}`;
    const store = await RedisThrottleStore.connect({ url: server.url, quota, leaseShare: 0.1 });
    // 600 requests a minute, burst 20, leases of 2: admission goes to Redis every couple of jobs.
    const throttle = new Throttle({ requestsPerMinute: { perMinute: 600, burst: 20 }, store });
    let started = 0;
    const jobs = Array.from({ length: 60 }, () => throttle.run(() => void started++));
    await sleep(1_000);
    expect(started).toBeGreaterThan(0);
    await server.stop();
    await sleep(300);
    const atOutage = started;
    await sleep(1_500);
    // At most the lease held when Redis went away: a lease is at most a quarter of the burst (5),
    // and one more may have been on its way back (2, leaseShare × burst).
    expect(started - atOutage).toBeLessThanOrEqual(7);
    expect(store.ready).toBe(false);
    await server.start();
    await Promise.all(jobs);
    expect(started).toBe(60);
    await throttle.close();
    await store.close();
  });
});
