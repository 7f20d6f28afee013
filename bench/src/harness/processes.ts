import type { ChildProcess } from "node:child_process";

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
