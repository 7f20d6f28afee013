import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, type SluiceEvent } from "@sluice/core";
import {
  RedisThrottleStore,
  RedisUnreachableError as StoreRedisUnreachableError,
} from "@sluice/throttle-redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BullmqRunner,
  NotSerializableError,
  PayloadTooLargeError,
  RedisUnreachableError,
  RemoteExecError,
  RunInUseError,
  type SluiceWorker,
  startWorker,
  WorkerLostError,
} from "./index.js";
// @ts-expect-error plain JavaScript fixtures, shared with the worker processes
import { GreetAll, nodes, Square } from "./testing/fixture-nodes.mjs";
import {
  freePort,
  type RedisServer,
  redisServerForTests,
  startRedisServer,
  waitUntil,
} from "./testing/index.js";
import { countBy, readEffects } from "./testing/worker-processes.js";

const binary = redisServerForTests();
let queueCounter = 0;
const newQueue = () => `t${process.pid}-${++queueCounter}`;

describe.skipIf(binary === undefined)("BullmqRunner with an in-process worker", () => {
  let server: RedisServer;
  let dir: string;

  beforeAll(async () => {
    server = await startRedisServer({ binary });
    dir = mkdtempSync(join(tmpdir(), "sluice-bullmq-"));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pool(queue: string, concurrency = 4): Promise<SluiceWorker> {
    return startWorker({ connection: server.url, queue, nodes, concurrency, logger: null });
  }

  it("runs exec on the worker and gives prep/post the results in input order, with progress", async () => {
    const queue = newQueue();
    const worker = await pool(queue);
    const runner = await BullmqRunner.connect({ connection: server.url, queue });
    try {
      const SquareOnPool = runner.distribute(Square);
      const node = new SquareOnPool({ concurrency: 3 }).setParams({ tag: "p" });
      const items = [5, 1, 4, 2, 3].map((n) => ({ n, ms: (6 - n) * 20 }));
      const events: SluiceEvent[] = [];
      const shared: { items: unknown[]; results?: { n: number; square: number }[] } = { items };
      expect(await new Flow(node).run(shared, { onEvent: (e) => events.push(e) })).toBe("done");
      expect(shared.results?.map((r) => r.square)).toEqual([25, 1, 16, 4, 9]);
      expect(node).toBeInstanceOf(Square);
      const progress = events.filter((e) => e.type === "progress");
      expect(progress.at(-1)).toMatchObject({ done: 5, failed: 0, inFlight: 0, total: 5 });
      expect(progress.some((e) => e.type === "progress" && e.inFlight > 0)).toBe(true);
      expect(events.find((e) => e.type === "node:start")?.name).toBe("Square");
    } finally {
      await runner.close();
      await worker.close();
    }
  });

  it("retries on the worker with the producer's maxRetries, and rebuilds per-item errors", async () => {
    const queue = newQueue();
    const worker = await pool(queue);
    const runner = await BullmqRunner.connect({ connection: server.url, queue });
    try {
      const SquareOnPool = runner.distribute(Square);
      const retried: { items: unknown[]; results?: { attempt: number }[] } = {
        items: [{ n: 1, failTimes: 2 }],
      };
      await new SquareOnPool({ maxRetries: 3 }).run(retried);
      expect(retried.results?.[0]?.attempt).toBe(2);

      const failing = { items: [{ n: 1 }, { n: 2, fail: true }, { n: 3 }] };
      const error = await new SquareOnPool().run(failing).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteExecError);
      expect(error).toMatchObject({ code: "remote_exec_failed", item: 1, remoteCode: "boom" });
      expect((error as Error).message).toContain("item 2 went boom");

      const settled: { items: unknown[]; results?: PromiseSettledResult<unknown>[] } = { ...failing };
      await new SquareOnPool({ failFast: false }).run(settled);
      expect(settled.results?.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((settled.results as PromiseSettledResult<unknown>[])[1]).toMatchObject({
        reason: expect.any(RemoteExecError),
      });
    } finally {
      await runner.close();
      await worker.close();
    }
  });

  it("refuses items that are not JSON or too large, naming the item, before sending anything", async () => {
    const queue = newQueue();
    const runner = await BullmqRunner.connect({ connection: server.url, queue, maxPayloadBytes: 1024 });
    try {
      const SquareOnPool = runner.distribute(Square);
      const bad = await new SquareOnPool()
        .run({ items: [{ n: 1 }, { n: 2, when: new Date() }] })
        .catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(NotSerializableError);
      expect((bad as Error).message).toMatch(/Square item 1 .*\$\.when is an instance of Date/);
      const big = await new SquareOnPool()
        .run({ items: [{ n: 1, text: "x".repeat(2000) }] })
        .catch((e: unknown) => e);
      expect(big).toBeInstanceOf(PayloadTooLargeError);
      expect((big as Error).message).toMatch(/Square item 0 is \d+ bytes .* by reference/);
      const { Queue } = await import("bullmq");
      const q = new Queue(queue, { connection: { host: "127.0.0.1", port: server.port } });
      expect(await q.count()).toBe(0);
      await q.close();
    } finally {
      await runner.close();
    }
  });

  it("runs a ParallelBatchFlow's sub-flows remotely: params and a JSON copy of the chosen shared state in, actions and stores back in order", async () => {
    const queue = newQueue();
    const worker = await pool(queue);
    const runner = await BullmqRunner.connect({ connection: server.url, queue });
    try {
      const merged: unknown[] = [];
      const GreetOnPool = runner.distribute(GreetAll, {
        remoteShared: (shared: { seed: string }) => ({ seed: shared.seed }),
        mergeShared: (_shared, remote, index) => merged.push([index, remote]),
      });
      const shared: { people: string[]; seed: string; actions?: unknown[] } = {
        people: ["ann", "bob", "cy"],
        seed: "s",
      };
      await new GreetOnPool().run(shared);
      expect(shared.actions).toEqual([undefined, "special", undefined]);
      expect(merged).toEqual([
        [0, { seed: "s", greeting: "hello ann", seen: "s" }],
        [1, { seed: "s", greeting: "hello bob", seen: "s" }],
        [2, { seed: "s", greeting: "hello cy", seen: "s" }],
      ]);
    } finally {
      await runner.close();
      await worker.close();
    }
  });

  it("refuses a second live producer of the same run, and fails fast with the URL when Redis is away", async () => {
    const queue = newQueue();
    const first = await BullmqRunner.connect({ connection: server.url, queue, runId: "same-run" });
    try {
      const second = await BullmqRunner.connect({ connection: server.url, queue, runId: "same-run" }).catch(
        (e: unknown) => e,
      );
      expect(second).toBeInstanceOf(RunInUseError);
      expect((second as Error).message).toMatch(/Run "same-run" is held by another live producer/);
    } finally {
      await first.close();
    }
    // Once the first closed, the run id is free again.
    await (await BullmqRunner.connect({ connection: server.url, queue, runId: "same-run" })).close();

    const startedAt = Date.now();
    const away = await BullmqRunner.connect({ connection: "redis://127.0.0.1:1", queue }).catch(
      (e: unknown) => e,
    );
    expect(away).toBeInstanceOf(RedisUnreachableError);
    expect(away).toMatchObject({ code: "redis_unreachable" });
    expect((away as Error).message).toContain("redis://127.0.0.1:1");
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it("RedisUnreachableError is one class with @sluice/throttle-redis's: instanceof holds both ways", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const fromWorker = await startWorker({ connection: url, queue: newQueue(), nodes }).catch(
      (e: unknown) => e,
    );
    const fromStore = await RedisThrottleStore.connect({ url, quota: "q" }).catch((e: unknown) => e);
    expect(RedisUnreachableError).toBe(StoreRedisUnreachableError);
    expect(fromWorker).toBeInstanceOf(StoreRedisUnreachableError);
    expect(fromStore).toBeInstanceOf(RedisUnreachableError);
    for (const error of [fromWorker, fromStore]) {
      expect(error).toMatchObject({ code: "redis_unreachable", url, retryable: false });
      expect((error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    }
  });

  it("sends a job that vanished without a result again, and fails the item once maxResubmits is spent", async () => {
    const queue = newQueue();
    const { Queue } = await import("bullmq");
    const inspect = new Queue(queue, { connection: { host: "127.0.0.1", port: server.port } });
    const runner = await BullmqRunner.connect({
      connection: server.url,
      queue,
      pollIntervalMs: 100,
      maxResubmits: 1,
    });
    try {
      const SquareOnPool = runner.distribute(Square);
      // No worker: every job waits, and this test plays Redis losing it, each time it appears.
      const lost = new SquareOnPool().run({ items: [{ n: 7 }] }).catch((e: unknown) => e);
      let removals = 0;
      const remover = setInterval(async () => {
        const [job] = await inspect.getWaiting();
        if (job) {
          await job.remove();
          removals++;
        }
      }, 50);
      const error = await lost;
      clearInterval(remover);
      expect(error).toBeInstanceOf(WorkerLostError);
      expect(error).toMatchObject({ code: "worker_lost" });
      expect(removals).toBe(2);

      // Lost once, then a worker comes: the resubmitted job finishes the item.
      const shared: { items: unknown[]; results?: { square: number }[] } = { items: [{ n: 8 }] };
      const found = new SquareOnPool().run(shared);
      await waitUntil(async () => (await inspect.getWaitingCount()) === 1, 10_000, "the job waits");
      await (await inspect.getWaiting())[0]?.remove();
      const worker = await pool(queue);
      await found;
      await worker.close();
      expect(shared.results?.[0]?.square).toBe(64);
    } finally {
      await inspect.close();
      await runner.close();
    }
  });

  it("a restarted producer with the same run id collects stored results instead of resubmitting", async () => {
    const queue = newQueue();
    const effects = join(dir, "restart.log");
    process.env.EFFECT_LOG = effects;
    const worker = await pool(queue, 2);
    try {
      const items = Array.from({ length: 8 }, (_, n) => ({ n, ms: 150 }));
      const crashed = await BullmqRunner.connect({
        connection: server.url,
        queue,
        runId: "r1",
        leaseTtlMs: 1_000,
      });
      const SquareOnCrashed = crashed.distribute(Square);
      const firstTry = new SquareOnCrashed().run({ items }).catch(() => "crashed");
      await waitUntil(
        () => readEffects(effects).filter((e) => e.event === "end").length >= 3,
        20_000,
        "three items end",
      );
      // A crash: the connections drop without releasing the lease.
      const internals = crashed as unknown as {
        redis: { disconnect(): void };
        subscriber: { disconnect(): void };
      };
      internals.subscriber.disconnect();
      internals.redis.disconnect();
      const stillHeld = await BullmqRunner.connect({ connection: server.url, queue, runId: "r1" }).catch(
        (e: unknown) => e,
      );
      expect(stillHeld).toBeInstanceOf(RunInUseError);
      await new Promise((resolve) => setTimeout(resolve, 1_200));

      const restarted = await BullmqRunner.connect({ connection: server.url, queue, runId: "r1" });
      const shared: { items: unknown[]; results?: { square: number }[] } = { items };
      await new (restarted.distribute(Square))().run(shared);
      await restarted.close();
      expect(shared.results?.map((r) => r.square)).toEqual(items.map(({ n }) => n * n));
      const ends = countBy(
        readEffects(effects).filter((e) => e.event === "end"),
        (e) => e.key,
      );
      expect([...ends.values()].every((count) => count === 1)).toBe(true);
      expect(ends.size).toBe(8);
      void firstTry;
    } finally {
      delete process.env.EFFECT_LOG;
      await worker.close();
    }
  });
});
