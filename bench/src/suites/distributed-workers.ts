import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BullmqRunner } from "@sluice/bullmq";
import {
  type RedisServer,
  readEffects,
  spawnWorkerProcess,
  startRedisServer,
  type WorkerProcess,
  waitUntil,
} from "@sluice/bullmq/testing";
import { compiledPath, ensureCompiled } from "../harness/compile.js";
import { seconds, times } from "../harness/format.js";
import { track } from "../harness/processes.js";
import { BusyItems, type Done, type Item, SlowItems } from "./distributed-workers/nodes.js";

export interface DistributedWorkersOptions {
  /** Items of the kill -9 run (default 60, 300 ms each, on 4 workers). */
  readonly killItems?: number;
  readonly killItemMs?: number;
  /** CPU-heavy items (default 200 of 20 ms), run on 1 and on 2 worker processes. */
  readonly cpuItems?: number;
  readonly cpuItemMs?: number;
}

export interface DistributedWorkersRow {
  readonly measure: string;
  readonly value: number;
  readonly detail: string;
}

export interface DistributedWorkersResult {
  readonly rows: DistributedWorkersRow[];
  readonly markdown: string;
}

/**
 * Two measures of @sluice/bullmq on real worker processes and a private redis-server:
 * (a) one of 4 workers is killed with SIGKILL mid-run, and every item must still end exactly once;
 * (b) CPU-heavy items on 2 worker processes against 1 (target: ≤ 0.6× the time on 2 cores).
 */
export async function distributedWorkers(
  options: DistributedWorkersOptions = {},
): Promise<DistributedWorkersResult> {
  await ensureCompiled();
  const server = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-distributed-"));
  try {
    const kill = await killOneOfFour(server, dir, options.killItems ?? 60, options.killItemMs ?? 300);
    const oneWorker = await cpuRun(server, 1, options.cpuItems ?? 200, options.cpuItemMs ?? 20);
    const twoWorkers = await cpuRun(server, 2, options.cpuItems ?? 200, options.cpuItemMs ?? 20);
    const ratio = twoWorkers / oneWorker;
    const rows: DistributedWorkersRow[] = [
      { measure: "kill -9: items", value: kill.items, detail: "one of 4 workers killed mid-run" },
      { measure: "kill -9: results returned", value: kill.returned, detail: "in input order" },
      {
        measure: "kill -9: items ended exactly once by the worker whose result was kept",
        value: kill.endedOnce,
        detail: "effects counted in every process",
      },
      { measure: "kill -9: finished items redone", value: kill.redoneFinished, detail: "target 0" },
      {
        measure: "kill -9: interrupted items redone elsewhere",
        value: kill.interruptedRedone,
        detail: "the victim's in-flight items, run again on a survivor",
      },
      {
        measure: "CPU: 1 worker, time",
        value: oneWorker,
        detail: `${options.cpuItems ?? 200} items × ${options.cpuItemMs ?? 20} ms`,
      },
      { measure: "CPU: 2 workers, time", value: twoWorkers, detail: "" },
      { measure: "CPU: 2 workers / 1 worker", value: ratio, detail: "target ≤ 0.6 on 2 cores" },
    ];
    const markdown = [
      "## Distributed workers (@sluice/bullmq)",
      "",
      "| measure | value | detail |",
      "|---|---:|---|",
      ...rows.map((r) => `| ${r.measure} | ${formatValue(r)} | ${r.detail} |`),
      "",
    ].join("\n");
    return { rows, markdown };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatValue(row: DistributedWorkersRow): string {
  if (row.measure.endsWith(", time")) return seconds(row.value);
  if (row.measure.includes("/")) return times(row.value);
  return String(row.value);
}

async function killOneOfFour(server: RedisServer, dir: string, count: number, ms: number) {
  const queue = "bench-kill";
  const log = join(dir, "kill.log");
  const workers = await Promise.all([0, 1, 2, 3].map(() => spawnWorker(server.url, queue, 2, log)));
  const runner = await BullmqRunner.connect({ connection: server.url, queue, pollIntervalMs: 500 });
  try {
    const items: Item[] = Array.from({ length: count }, (_, n) => ({ n, ms }));
    const shared: { items: Item[]; results?: Done[] } = { items };
    const run = new (runner.distribute(SlowItems))().run(shared);
    const victim = workers[0] as WorkerProcess;
    await waitUntil(
      () => {
        const mine = effects(log).filter((e) => e.pid === victim.pid);
        const ended = new Set(mine.filter((e) => e.event === "end").map((e) => e.item));
        return ended.size >= 1 && mine.some((e) => e.event === "start" && !ended.has(e.item));
      },
      60_000,
      "the victim worker is mid-item",
    );
    await victim.kill();
    await run;
    const all = effects(log);
    const results = shared.results ?? [];
    // Finished means stored: the process whose result was stored ended the item. Another end by a
    // survivor would be a finished item redone; an end by the victim whose result it never stored
    // (killed between exec's return and the write) is an interrupted item, done again elsewhere.
    const endsOf = (n: number) => all.filter((e) => e.event === "end" && e.item === n);
    return {
      items: count,
      returned: results.filter((r, index) => r?.n === index).length,
      endedOnce: results.filter((r) => endsOf(r.n).filter((e) => e.pid === r.pid).length === 1).length,
      redoneFinished: results.filter((r) => endsOf(r.n).some((e) => e.pid !== r.pid && e.pid !== victim.pid))
        .length,
      interruptedRedone: results.filter(
        (r) => all.filter((e) => e.event === "start" && e.item === r.n).length > 1,
      ).length,
    };
  } finally {
    await runner.close();
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

async function cpuRun(server: RedisServer, processes: number, count: number, ms: number): Promise<number> {
  const queue = `bench-cpu-${processes}`;
  const workers = await Promise.all(
    Array.from({ length: processes }, () => spawnWorker(server.url, queue, 1)),
  );
  const runner = await BullmqRunner.connect({ connection: server.url, queue });
  try {
    const items: Item[] = Array.from({ length: count }, (_, n) => ({ n, ms }));
    const startedAt = performance.now();
    await new (runner.distribute(BusyItems))().run({ items });
    return performance.now() - startedAt;
  } finally {
    await runner.close();
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** A bench worker process (worker.ts, compiled), tracked so an interrupted bench leaves none behind. */
async function spawnWorker(
  url: string,
  queue: string,
  concurrency: number,
  log?: string,
): Promise<WorkerProcess> {
  const script = compiledPath("suites/distributed-workers/worker");
  const worker = await spawnWorkerProcess(
    script,
    [url, queue, String(concurrency)],
    log ? { EFFECT_LOG: log } : {},
  );
  track(worker.child);
  return worker;
}

function effects(log: string): { event: string; item: number; pid: number }[] {
  return readEffects(log).map((e) => ({ event: e.event, item: Number(e.key), pid: e.pid }));
}
