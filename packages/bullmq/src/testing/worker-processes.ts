import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./worker-process.mjs", import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** SIGTERM and wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** kill -9, as a machine loss would. */
  kill(): Promise<void>;
}

/** Starts a real worker process of the test fixtures and waits until it listens on the queue. */
export async function spawnWorker(
  url: string,
  queue: string,
  options: { concurrency?: number; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [SCRIPT, url, queue, String(options.concurrency ?? 4)], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("worker process did not start within 20 s")), 20_000);
    child.stdout?.on("data", (data: Buffer) => {
      if (data.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited with ${code} before it was ready`));
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

/** Lines of the fixture nodes' effect log: how often each item's exec started and ended, and where. */
export function readEffects(path: string): { event: string; key: string; pid: number }[] {
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
