import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BullmqRunner } from "./index.js";
// @ts-expect-error plain JavaScript fixtures, shared with the worker processes
import { Square } from "./testing/fixture-nodes.mjs";
import { type RedisServer, redisServerForTests, startRedisServer, waitUntil } from "./testing/index.js";
import { countBy, readEffects, spawnWorker, type WorkerProcess } from "./testing/worker-processes.js";

const binary = redisServerForTests();
let counter = 0;

describe.skipIf(binary === undefined)("worker processes", () => {
  let server: RedisServer;
  let dir: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    server = await startRedisServer({ binary });
    dir = mkdtempSync(join(tmpdir(), "sluice-bullmq-proc-"));
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(count: number, env: Record<string, string> = {}) {
    const queue = `p${++counter}`;
    const log = join(dir, `${queue}.log`);
    for (let i = 0; i < count; i++) {
      workers.push(
        await spawnWorker(server.url, queue, { concurrency: 2, env: { EFFECT_LOG: log, ...env } }),
      );
    }
    return { queue, log };
  }

  it("kill -9 of a worker mid-item: its unfinished items are done once elsewhere, no finished item is redone", async () => {
    const { queue, log } = await setup(2);
    const runner = await BullmqRunner.connect({ connection: server.url, queue });
    try {
      const items = Array.from({ length: 16 }, (_, n) => ({ n, ms: 400 }));
      const shared: { items: unknown[]; results?: { square: number; pid: number }[] } = { items };
      const run = new (runner.distribute(Square))().run(shared);
      const victim = workers[0] as WorkerProcess;
      // Kill once the victim has finished something and is in the middle of something else.
      await waitUntil(
        () => {
          const mine = readEffects(log).filter((e) => e.pid === victim.pid);
          const ended = new Set(mine.filter((e) => e.event === "end").map((e) => e.key));
          return ended.size >= 1 && mine.some((e) => e.event === "start" && !ended.has(e.key));
        },
        30_000,
        "the victim worker is mid-item",
      );
      await victim.kill();
      await run;
      const effects = readEffects(log);
      // Finished means stored: the worker whose result was stored ended the item, and no other
      // worker ended it again. Only the victim may have ended an item whose result it never stored
      // (killed between exec's return and the write), and such an item is then done once elsewhere.
      const results = shared.results ?? [];
      expect(results.map((r) => r.square)).toEqual(items.map(({ n }) => n * n));
      for (const [n, result] of results.entries()) {
        const endsOf = effects.filter((e) => e.event === "end" && e.key === `sq:${n}`);
        expect(endsOf.filter((e) => e.pid === result.pid)).toHaveLength(1);
        expect(endsOf.filter((e) => e.pid !== result.pid && e.pid !== victim.pid)).toHaveLength(0);
        expect(endsOf.filter((e) => e.pid === victim.pid).length).toBeLessThanOrEqual(1);
      }
      // The item the victim was running started twice: once there, once on the survivor.
      const starts = countBy(
        effects.filter((e) => e.event === "start"),
        (e) => e.key,
      );
      expect([...starts.values()].some((c) => c === 2)).toBe(true);
    } finally {
      await runner.close();
    }
  });

  it("cancelling the producer's run removes waiting jobs and aborts running ones on the workers", async () => {
    const { queue, log } = await setup(2);
    const runner = await BullmqRunner.connect({ connection: server.url, queue });
    const inspect = new Queue(queue, { connection: { host: "127.0.0.1", port: server.port } });
    try {
      const items = Array.from({ length: 12 }, (_, n) => ({ n, ms: 60_000 }));
      const controller = new AbortController();
      const run = new (runner.distribute(Square))().run({ items }, { signal: controller.signal });
      await waitUntil(
        () => readEffects(log).filter((e) => e.event === "start").length >= 4,
        30_000,
        "four items start",
      );
      const startedAt = Date.now();
      controller.abort(new Error("stop now"));
      await expect(run).rejects.toThrow("stop now");
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      await waitUntil(
        async () => (await inspect.count()) === 0 && (await inspect.getActiveCount()) === 0,
        20_000,
        "the queue empties",
      );
      expect(readEffects(log).filter((e) => e.event === "end")).toEqual([]);
      expect(readEffects(log).filter((e) => e.event === "start").length).toBe(4);
    } finally {
      await inspect.close();
      await runner.close();
    }
  });

  it("Redis stopped and restarted mid-run: producer and workers wait, then finish; nothing lost or redone", async () => {
    // Locks outlast the outage, so no job is taken for stalled while its worker still runs it.
    const { queue, log } = await setup(2, { LOCK_MS: "15000", STALLED_MS: "5000" });
    const runner = await BullmqRunner.connect({ connection: server.url, queue, pollIntervalMs: 300 });
    try {
      const items = Array.from({ length: 12 }, (_, n) => ({ n, ms: 300 }));
      const shared: { items: unknown[]; results?: { square: number }[] } = { items };
      const run = new (runner.distribute(Square))().run(shared);
      await waitUntil(
        () => readEffects(log).filter((e) => e.event === "end").length >= 3,
        30_000,
        "three items end",
      );
      await server.stop({ keepData: true });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await server.start();
      await run;
      expect(shared.results?.map((r) => r.square)).toEqual(items.map(({ n }) => n * n));
      const ends = countBy(
        readEffects(log).filter((e) => e.event === "end"),
        (e) => e.key,
      );
      expect(ends.size).toBe(12);
      expect([...ends.values()].every((c) => c === 1)).toBe(true);
    } finally {
      await runner.close();
    }
  });
});
