import type { SignalOf } from "./abort-signal.js";
/**
 * The scheduling contract a node uses to admit each exec attempt.
 *
 * Core only defines the shape; `@sluice/throttle` implements it (concurrency, requests/min and
 * tokens/min at once), and anything else with the same `run` method plugs in too. A limiter must
 * start `task` only once the job is admitted, pass it a signal that fires if the job is cancelled,
 * and never start a job whose `signal` aborted while it waited.
 */
export interface Limiter {
  run<T>(task: (context: LimiterTaskContext) => Promise<T>, options?: LimiterRunOptions): Promise<T>;
}

/** What a limiter hands the task it admitted. */
export interface LimiterTaskContext {
  /** Fires when the job is cancelled; pass it on to the HTTP call. */
  readonly signal: SignalOf;
  /**
   * Settles the job's reservation at what was really used, refunding the rest, whether the task
   * then resolves or rejects. Core reports nothing spent for an admitted attempt it refuses to start
   * because its run was cancelled meanwhile.
   */
  reportUsage?(actual: LimiterUsage): void;
}

/** What one attempt really consumed, as reported back to the limiter. */
export interface LimiterUsage {
  readonly requests?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly tokens?: number;
  readonly [dimension: string]: number | undefined;
}

/**
 * What one job is expected to consume, by dimension. `requests` defaults to 1 when omitted;
 * token counts are estimates that the limiter may correct once the real usage is known.
 */
export interface LimiterCost {
  readonly requests?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly [dimension: string]: number | undefined;
}

export interface LimiterRunOptions {
  /** Cancels the job: removed from the queue if it has not started, aborted if it has. */
  readonly signal?: SignalOf;
  readonly cost?: LimiterCost;
}
