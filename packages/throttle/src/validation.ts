import type { AbortSignalLike } from "./abort-signal.js";
import { type Dimensions, describe, type ThrottleCost } from "./cost.js";
import { ThrottleArgumentError } from "./errors.js";
import { type ProviderFeedback, TRANSPORT_FAILURES } from "./feedback.js";
import { type RetryOptions, type RetryPolicy, resolveRetry } from "./retry.js";

/** How urgent a job is: a number (higher runs first) or a named lane (high 1, normal 0, low -1). */
export type Priority = number | "high" | "normal" | "low";

export interface ThrottleRunOptions {
  /** What the job consumes. Default: one request. */
  readonly cost?: ThrottleCost;
  /** Cancels the job: removed if still waiting (nothing charged), signalled if running. */
  readonly signal?: AbortSignalLike;
  /** Default "normal" (0). */
  readonly priority?: Priority;
  /**
   * Latest time (epoch ms, on the throttle's clock) the job may start. A job that cannot start in
   * time is rejected as soon as that is known, rather than timing out late.
   */
  readonly deadline?: number;
  /** Retries owned by the throttle for this job; overrides the constructor's `retry`. */
  readonly retry?: RetryOptions | boolean;
}

/** A job's run options, checked and resolved. */
export interface ParsedRun {
  readonly amounts: readonly number[];
  readonly priority: number;
  readonly deadline: number;
  readonly retry: RetryPolicy | undefined;
  readonly signal: AbortSignalLike | undefined;
}

const PRIORITIES: Readonly<Record<string, number>> = { high: 1, normal: 0, low: -1 };

/** Checks `run`'s options; throws ThrottleArgumentError / InvalidCostError saying what to pass. */
export function parseRunOptions(
  options: ThrottleRunOptions | undefined,
  dimensions: Dimensions,
  baseRetry: RetryPolicy | undefined,
): ParsedRun {
  if (options === undefined) {
    return {
      amounts: dimensions.defaultAmounts,
      priority: 0,
      deadline: Number.POSITIVE_INFINITY,
      retry: baseRetry,
      signal: undefined,
    };
  }
  if (typeof options !== "object" || options === null) {
    throw new ThrottleArgumentError(
      `run options must be an object such as { cost, signal, priority } (got ${describe(options)}).`,
    );
  }
  return {
    amounts: dimensions.parseCost(options.cost),
    priority: parsePriority(options.priority),
    deadline: parseDeadline(options.deadline),
    retry: resolveRetry(options.retry, baseRetry),
    signal: parseSignal(options.signal),
  };
}

export function checkTask(task: unknown): ThrottleArgumentError | undefined {
  if (typeof task === "function") return undefined;
  return new ThrottleArgumentError(
    `run expects a task function ({ signal, attempt, reportUsage }) => Promise (got ${describe(task)}).`,
  );
}

function parsePriority(priority: Priority | undefined): number {
  if (priority === undefined) return 0;
  if (typeof priority === "number") {
    if (Number.isFinite(priority)) return priority;
  } else if (typeof priority === "string") {
    const named = PRIORITIES[priority];
    if (named !== undefined) return named;
  }
  throw new ThrottleArgumentError(
    `priority must be "high", "normal", "low" or a finite number, higher first (got ${describe(priority)}).`,
  );
}

function parseDeadline(deadline: number | undefined): number {
  if (deadline === undefined) return Number.POSITIVE_INFINITY;
  if (typeof deadline !== "number" || Number.isNaN(deadline)) {
    throw new ThrottleArgumentError(
      `deadline must be a time in epoch ms, e.g. Date.now() + 30_000 (got ${describe(deadline)}).`,
    );
  }
  return deadline;
}

function parseSignal(signal: AbortSignalLike | undefined): AbortSignalLike | undefined {
  if (signal === undefined) return undefined;
  if (
    typeof signal !== "object" ||
    signal === null ||
    typeof signal.aborted !== "boolean" ||
    typeof signal.addEventListener !== "function"
  ) {
    throw new ThrottleArgumentError(`signal must be an AbortSignal (got ${describe(signal)}).`);
  }
  return signal;
}

/** Checks `observe`'s argument. */
export function checkFeedback(feedback: ProviderFeedback): void {
  if (typeof feedback !== "object" || feedback === null) {
    throw new ThrottleArgumentError(
      `observe expects an object such as { status, headers } (got ${describe(feedback)}).`,
    );
  }
  const { status, retryAfterMs, errorType, errorCode, headers, transportFailure } = feedback;
  if (status !== undefined && (typeof status !== "number" || !Number.isInteger(status))) {
    throw new ThrottleArgumentError(`feedback.status must be an HTTP status code (got ${describe(status)}).`);
  }
  if (retryAfterMs !== undefined && (typeof retryAfterMs !== "number" || Number.isNaN(retryAfterMs))) {
    throw new ThrottleArgumentError(
      `feedback.retryAfterMs must be a number of ms (got ${describe(retryAfterMs)}).`,
    );
  }
  for (const [name, value] of [
    ["errorType", errorType],
    ["errorCode", errorCode],
  ] as const) {
    if (value !== undefined && typeof value !== "string") {
      throw new ThrottleArgumentError(`feedback.${name} must be a string (got ${describe(value)}).`);
    }
  }
  if (headers !== undefined && (typeof headers !== "object" || headers === null)) {
    throw new ThrottleArgumentError(
      `feedback.headers must be a Headers object or a record of header values (got ${describe(headers)}).`,
    );
  }
  if (transportFailure !== undefined && !TRANSPORT_FAILURES.has(transportFailure)) {
    throw new ThrottleArgumentError(
      `feedback.transportFailure must be one of ${[...TRANSPORT_FAILURES].join(", ")} (got ${describe(transportFailure)}).`,
    );
  }
}
