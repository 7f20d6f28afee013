import { type ChildProcess, spawn } from "node:child_process";

/** Every child process still running, so that none outlives the benchmark (Ctrl-C, crash, timeout). */
const live = new Set<ChildProcess>();
let hooked = false;

export function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once("exit", killAll);
  }
}

/** Kills every tracked child (SIGKILL: a benchmark child holds nothing worth a graceful stop). */
export function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}

/** For the CLI: on Ctrl-C or SIGTERM, kill the children and exit with the conventional code. */
export function killChildrenOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

/** How a child process ended, with its output (stderr: the last 8,000 characters). */
export interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * Runs `executable` to its end, killed after `timeoutMs`; never rejects (a spawn failure lands in
 * stderr). The child is tracked, so it cannot outlive the benchmark.
 */
export function runProcess(
  executable: string,
  args: readonly string[],
  timeoutMs: number,
  env: Record<string, string>,
): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(executable, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "", ...env },
    });
    track(child);
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-8_000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      stderr += `\n${error.message}`;
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr, timedOut });
    });
  });
}
