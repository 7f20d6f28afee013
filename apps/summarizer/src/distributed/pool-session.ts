import { type ChildProcess, spawn } from "node:child_process";
import { BullmqRunner } from "@sluice/bullmq";
import { type Usage, usageCost, withLimiter } from "@sluice/llm";
import { Throttle } from "@sluice/throttle";
import type { RunControl } from "../nodes/run-control.js";
import type { SummarizerOptions } from "../options.js";
import { modelIdFor, type ProviderSession } from "../providers.js";
import { instrumentModel, type RunStats } from "../stats.js";
import { poolModel } from "./model-calls.js";
import { SUMMARIZER_QUEUE } from "./queue-name.js";

/**
 * A run's provider when `--redis` is given: the model the nodes call sends each call to the pool.
 * The local throttle only caps calls in flight at `--concurrency` (across the pool); rate limits
 * are the workers' business. With `--workers N`, N local worker processes join the pool for the
 * run and leave with it.
 */
export async function openPoolSession(
  options: SummarizerOptions & { readonly redis: string },
  stats: RunStats,
  control: RunControl,
  argv: readonly string[],
): Promise<ProviderSession> {
  const runner = await BullmqRunner.connect({ connection: options.redis, queue: SUMMARIZER_QUEUE });
  const workers = startLocalWorkers(options.workers ?? 0, argv);
  const modelId = modelIdFor(options);
  const endpoint = `the pool at ${options.redis}`;
  const throttle = new Throttle({ concurrency: options.concurrency });
  const model = withLimiter(
    control.guard(
      instrumentModel(poolModel(runner, { provider: options.provider, modelId }), stats),
      endpoint,
    ),
    throttle,
  );
  return {
    name: options.provider,
    model,
    modelId,
    endpoint,
    throttle,
    emulator: undefined,
    batchQueue: undefined,
    limits: () => ({ concurrency: options.concurrency, minuteSeconds: 60 }),
    price: (usage: Usage, answered: string) => usageCost(usage, answered)?.usd ?? null,
    async close() {
      await throttle.close();
      // The journal is this run's durable record; the pool's copies of the answers can go.
      await runner.forget().catch(() => {});
      await runner.close();
      await Promise.all(workers.map(stopChild));
    },
  };
}

/**
 * `summarize worker` processes started by this run: the same CLI and provider flags, minus the
 * inputs and the producer's own flags.
 */
function startLocalWorkers(count: number, argv: readonly string[]): ChildProcess[] {
  const cli = process.argv[1];
  if (count === 0 || cli === undefined) return [];
  const args = ["worker", ...workerFlags(argv)];
  return Array.from({ length: count }, () =>
    spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "inherit"], env: process.env }),
  );
}

/** The flags a worker shares with the producer: where to meet and which provider to call. */
const SHARED_FLAGS = new Set([
  "--redis",
  "--provider",
  "-p",
  "--model",
  "-m",
  "--base-url",
  "--concurrency",
  "-c",
  "--rpm",
  "--itpm",
  "--otpm",
  "--time-scale",
]);

export function workerFlags(argv: readonly string[]): string[] {
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    if (!SHARED_FLAGS.has(name)) continue;
    if (inline !== undefined) flags.push(arg);
    else if (i + 1 < argv.length) flags.push(name, argv[++i] as string);
  }
  return flags;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
