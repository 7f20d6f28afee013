import { fork } from "node:child_process";
import { compiledPath, ensureCompiled } from "./compile.js";
import { track } from "./processes.js";

/** One measured run in a fresh process: which module under src/ to run, and with what. */
export interface ChildJob {
  /** A module under src/ exporting `run(params)`, without extension: "suites/core/sluice". */
  readonly module: string;
  readonly params: unknown;
  /** The child is killed after this long; the run then counts as failed. */
  readonly timeoutMs: number;
  /** Extra node flags, e.g. ["--max-old-space-size=4096"]. */
  readonly nodeOptions?: readonly string[];
}

export interface ChildMemory {
  /** Peak resident set size before the task ran (after its module loaded), in KB. */
  readonly baselineKb: number;
  /** Peak resident set size when the task finished, in KB (the kernel's high-water mark). */
  readonly peakKb: number;
}

export type ChildOutcome<T> =
  | { readonly ok: true; readonly data: T; readonly memory: ChildMemory }
  | { readonly ok: false; readonly error: string };

interface ChildMessage {
  readonly type: "result" | "error";
  readonly data?: unknown;
  readonly memory?: ChildMemory;
  readonly error?: string;
}

const TAIL_CHARS = 4_000;

/**
 * Runs `job` in a new Node process and resolves with what its `run` returned and the process's peak
 * memory. Resolves only once the process has exited, so the next run never overlaps it.
 */
export async function runInChild<T>(job: ChildJob): Promise<ChildOutcome<T>> {
  await ensureCompiled();
  return new Promise((resolve) => {
    const child = fork(compiledPath("harness/child-entry"), [], {
      execArgv: [...(job.nodeOptions ?? [])],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    track(child);
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-TAIL_CHARS);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    let message: ChildMessage | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, job.timeoutMs);
    child.on("message", (received) => {
      message = received as ChildMessage;
    });
    child.once("error", (error) => {
      output += `\n${error.message}`;
    });
    // "close", not "exit": a message the child sent just before exiting can still be in the IPC
    // channel when "exit" fires (seen on a loaded machine); "close" waits for the channel to close.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (message?.type === "result") {
        resolve({ ok: true, data: message.data as T, memory: message.memory! });
      } else if (message?.type === "error") {
        resolve({ ok: false, error: message.error ?? "unknown error" });
      } else {
        const why = timedOut
          ? `timed out after ${job.timeoutMs} ms`
          : `exited (code ${code}, signal ${signal}) without a result`;
        resolve({ ok: false, error: `${job.module}: ${why}${output ? `\n${output.trim()}` : ""}` });
      }
    });
    child.send({ module: job.module, params: job.params });
  });
}
