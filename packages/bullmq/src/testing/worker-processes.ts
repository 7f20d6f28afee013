import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** SIGTERM and wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** kill -9, as a machine loss would. */
  kill(): Promise<void>;
}

/**
 * Starts `node <script> ...args` and waits until it prints "ready" (a worker script prints it once
 * it listens on its queue).
 */
export async function spawnWorkerProcess(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 30 s`)), 30_000);
    child.stdout?.on("data", (data: Buffer) => {
      if (data.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, pid: child.pid ?? 0, stop: () => end("SIGTERM"), kill: () => end("SIGKILL") };
}

/** A worker process of this package's test fixtures (fixture-nodes.mjs). */
export function spawnWorker(
  url: string,
  queue: string,
  options: { concurrency?: number; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  // Resolved here, not at load: the built CommonJS copy of this module has no import.meta.url.
  const script = fileURLToPath(new URL("./worker-process.mjs", import.meta.url));
  return spawnWorkerProcess(script, [url, queue, String(options.concurrency ?? 4)], options.env);
}

/** One line of an effect log: an exec's `start` or `end` for an item, and the process it ran in. */
export interface Effect {
  readonly event: string;
  readonly key: string;
  readonly pid: number;
}

/** Reads a log of `<event> <key> <pid>` lines, which test nodes append to count effects across processes. */
export function readEffects(path: string): Effect[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [event = "", key = "", pid = "0"] = line.split(" ");
      return { event, key, pid: Number(pid) };
    });
}

export function countBy<T>(values: T[], keyOf: (value: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(keyOf(value), (counts.get(keyOf(value)) ?? 0) + 1);
  return counts;
}
