import { InvalidArgumentError } from "./errors.js";
import type { Limiter, LimiterCost } from "./limiter.js";
import type { RetryOptions } from "./retry.js";

/** The options object every node constructor takes in place of pocketflow's `(maxRetries, wait)`. */
export interface NodeOptions extends RetryOptions {
  /** Shown in events and Mermaid diagrams. Default: the class name. */
  readonly name?: string;
  /** Per-attempt time limit in ms; a timed-out attempt fails with ExecTimeoutError and may be retried. */
  readonly timeout?: number;
  /** Admits each exec attempt (e.g. a @sluice/throttle Throttle); retries are admitted again. */
  readonly limiter?: Limiter;
  /** What one exec attempt costs the limiter, from the item it runs on. Default: one request. */
  readonly cost?: (item: any) => LimiterCost | undefined;
}

export interface BatchNodeOptions extends NodeOptions {
  /**
   * true (default): the first item that fails after its retries and fallback rejects the run, and
   * items still running are aborted. false: every item runs and `post` receives one settled outcome
   * per item, `{ status: "fulfilled", value }` or `{ status: "rejected", reason }`.
   */
  readonly failFast?: boolean;
}

export interface ParallelBatchNodeOptions extends BatchNodeOptions {
  /** Most items in flight at once, as a sliding window. Default: unbounded. */
  readonly concurrency?: number;
}

export interface FlowOptions {
  readonly name?: string;
  /** A flow that visits more nodes than this fails with MaxStepsExceededError. Default 10,000. */
  readonly maxSteps?: number;
}

export interface BatchFlowOptions extends FlowOptions {
  /** As for batch nodes: reject on the first failed run (default), or collect settled outcomes. */
  readonly failFast?: boolean;
}

export interface ParallelBatchFlowOptions extends BatchFlowOptions {
  /** Most sub-flow runs in flight at once, as a sliding window. Default: unbounded. */
  readonly concurrency?: number;
}

/** pocketflow passes `(maxRetries, wait)`; Sluice also takes one options object. */
export function resolveNodeOptions<O extends NodeOptions>(
  maxRetriesOrOptions: number | O | undefined,
  wait: number | undefined,
): O {
  if (typeof maxRetriesOrOptions === "object" && maxRetriesOrOptions !== null) {
    if (wait !== undefined) {
      throw new InvalidArgumentError(
        "Pass either (maxRetries, wait) or one options object such as { maxRetries: 3, wait: 1 }, not both.",
      );
    }
    return maxRetriesOrOptions;
  }
  if (maxRetriesOrOptions !== undefined && typeof maxRetriesOrOptions !== "number") {
    throw new InvalidArgumentError(
      `A node takes (maxRetries, wait) or an options object, not ${typeof maxRetriesOrOptions}.`,
    );
  }
  return { maxRetries: maxRetriesOrOptions ?? 1, wait: wait ?? 0 } as O;
}

export function checkConcurrency(value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if ((Number.isInteger(value) && value >= 1) || value === Number.POSITIVE_INFINITY) return value;
  throw new InvalidArgumentError(
    `concurrency must be a whole number of at least 1, or Infinity for no cap (got ${String(value)}).`,
  );
}

export function checkTimeout(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (Number.isFinite(value) && value > 0) return value;
  throw new InvalidArgumentError(`timeout is in ms and must be a positive number (got ${String(value)}).`);
}

export function checkMaxSteps(value: number | undefined): number {
  if (value === undefined) return 10_000;
  if ((Number.isInteger(value) && value >= 1) || value === Number.POSITIVE_INFINITY) return value;
  throw new InvalidArgumentError(`maxSteps must be a whole number of at least 1 (got ${String(value)}).`);
}

export function checkLimiter(value: Limiter | undefined): Limiter | undefined {
  if (value === undefined || typeof value?.run === "function") return value;
  throw new InvalidArgumentError(
    "limiter must have a run(task, { signal, cost }) method, like @sluice/throttle's Throttle.",
  );
}

export function checkFailFast(value: boolean | undefined): boolean {
  if (value === undefined) return true;
  if (typeof value === "boolean") return value;
  throw new InvalidArgumentError(`failFast must be true or false (got ${String(value)}).`);
}
