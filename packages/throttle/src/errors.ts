/**
 * Base class of every error the throttle makes itself. Match on `code` (lower_snake_case, the same
 * code for the same concept across Sluice's packages), which is stable across versions. None of them is worth retrying as is, so each says `retryable: false` (the field core's
 * nodes and @sluice/llm read).
 */
export class ThrottleError extends Error {
  readonly code: string;
  readonly retryable: boolean = false;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option or argument the throttle cannot work with; the message says which and what to pass. */
export class ThrottleArgumentError extends ThrottleError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_argument", message, options);
  }
}

/** @deprecated Renamed `ThrottleArgumentError` (core has its own `InvalidArgumentError`); removed in the next minor. */
export const InvalidArgumentError = ThrottleArgumentError;
/** @deprecated Renamed `ThrottleArgumentError`. */
export type InvalidArgumentError = ThrottleArgumentError;

/** A job's cost (or reported usage) names an unknown dimension or holds a value that is not a count. */
export class InvalidCostError extends ThrottleError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_cost", message, options);
  }
}

/**
 * A job costs more in one dimension than the limit could ever admit (e.g. `max_tokens` above the
 * output-tokens-per-minute limit): the provider would refuse it too, so it fails at once.
 */
export class CostExceedsLimitError extends ThrottleError {
  readonly dimension: string;
  readonly cost: number;
  readonly limit: number;

  constructor(dimension: string, cost: number, limit: number) {
    super(
      "cost_exceeds_limit",
      `This job costs ${cost} ${dimension}, more than the ${limit} the ${dimension} limit can ever admit at ` +
        `once, so it could never run. Split the work (shorter input, lower max_tokens), or raise the ` +
        `limit or its burst if your provider really allows more.`,
    );
    this.dimension = dimension;
    this.cost = cost;
    this.limit = limit;
  }
}

/** `run` was called after `close()`, or the job was still waiting when `close()` was called. */
export class ThrottleClosedError extends ThrottleError {
  constructor() {
    super(
      "throttle_closed",
      "The throttle was closed, so this job was not run. Create a new Throttle for further work, or " +
        "call close() only once every job has been submitted (close({ drain: true }) lets queued jobs finish).",
    );
  }
}

/** What the provider said when it refused a request for spend-cap or quota reasons. */
export interface ProviderRefusal {
  readonly status?: number;
  readonly errorType?: string;
  readonly errorCode?: string;
}

/**
 * The provider refused a request because a spend cap or quota is exhausted (a 429 without
 * retry-after, `insufficient_quota`, `*_spend_limit_reached`). Retrying cannot help until the account
 * changes, so queued jobs fail with this too until `throttle.resume()` is called.
 */
export class ThrottleQuotaError extends ThrottleError {
  readonly status?: number;
  readonly errorType?: string;
  readonly errorCode?: string;

  constructor(refusal: ProviderRefusal, options?: { cause?: unknown }) {
    const what = refusal.errorCode ?? refusal.errorType ?? `HTTP ${refusal.status ?? 429}`;
    super(
      "quota_exceeded",
      `The provider refused work because a spend cap or quota is exhausted (${what}); retrying will not ` +
        "help. Raise the cap or add credit in the provider's console, then call throttle.resume().",
      options,
    );
    if (refusal.status !== undefined) this.status = refusal.status;
    if (refusal.errorType !== undefined) this.errorType = refusal.errorType;
    if (refusal.errorCode !== undefined) this.errorCode = refusal.errorCode;
  }
}

/** The job's deadline cannot be met: the buckets (or a pause) cannot admit it before then. */
export class DeadlineUnreachableError extends ThrottleError {
  readonly deadline: number;
  /** The earliest time the throttle could have started the job, as estimated when it gave up. */
  readonly earliestStart: number;

  constructor(deadline: number, earliestStart: number) {
    super(
      "deadline_unreachable",
      `The job cannot start before its deadline: the earliest possible start is ` +
        `${Math.ceil(earliestStart - deadline)} ms after it, given the work queued ahead and the limits. ` +
        "Give it a later deadline, a higher priority, or a smaller cost.",
    );
    this.deadline = deadline;
    this.earliestStart = earliestStart;
  }
}

/** The job was still waiting for admission when its deadline passed; it never started. */
export class DeadlineExceededError extends ThrottleError {
  readonly deadline: number;

  constructor(deadline: number) {
    super(
      "deadline_exceeded",
      "The job's deadline passed while it waited for admission, so it was not started. Give it a later " +
        "deadline or a higher priority, or lower the load on this throttle.",
    );
    this.deadline = deadline;
  }
}

/** @deprecated Renamed `ThrottleQuotaError` (code `quota_exceeded`, as @sluice/llm's); removed in the next minor. */
export const QuotaExhaustedError = ThrottleQuotaError;
/** @deprecated Renamed `ThrottleQuotaError`. */
export type QuotaExhaustedError = ThrottleQuotaError;
