import { InvalidArgumentError } from "./errors.js";

/** Exponential backoff between attempts, with full jitter: each delay is uniform in (0, cap]. */
export interface BackoffOptions {
  /** Cap of the first delay in ms. Default: `wait` in ms when set, else 500. */
  readonly initialDelayMs?: number;
  /** No delay exceeds this (ms). Default 30,000. A retry-after from the error is honoured even above it. */
  readonly maxDelayMs?: number;
  /** Growth of the cap per attempt. Default 2. */
  readonly multiplier?: number;
  /** Full jitter (default true) spreads retries of many items so they do not hit the API together. */
  readonly jitter?: boolean;
}

export interface RetryOptions {
  /** Attempts in all, counting the first (pocketflow's meaning). Default 1: no retry. */
  readonly maxRetries?: number;
  /** Fixed delay between attempts, in seconds (pocketflow's meaning). Default 0. */
  readonly wait?: number;
  /** Exponential backoff with jitter instead of the fixed `wait`; `true` takes the defaults. */
  readonly backoff?: BackoffOptions | boolean;
  /**
   * Decides whether a failed attempt is worth another. Default: retry anything except errors that
   * say `retryable: false` (as @sluice/llm's authentication or quota errors do).
   */
  readonly retryIf?: (error: unknown, attempt: number) => boolean;
}

/** The validated, ready-to-use form of `RetryOptions`. */
export class RetryPolicy {
  readonly maxRetries: number;
  readonly wait: number;
  private readonly backoff: Required<BackoffOptions> | undefined;
  private readonly retryIf: (error: unknown, attempt: number) => boolean;

  constructor(
    options: RetryOptions,
    private readonly random: () => number = Math.random,
  ) {
    const { maxRetries = 1, wait = 0, backoff, retryIf = isRetryable } = options;
    if (!(Number.isInteger(maxRetries) && maxRetries >= 1) && maxRetries !== Number.POSITIVE_INFINITY) {
      throw new InvalidArgumentError(
        `maxRetries must be a whole number of attempts, at least 1 (got ${String(maxRetries)}). ` +
          "It counts the first attempt too: 3 means one try and two retries.",
      );
    }
    if (!(Number.isFinite(wait) && wait >= 0)) {
      throw new InvalidArgumentError(`wait is in seconds and must be 0 or more (got ${String(wait)}).`);
    }
    if (typeof retryIf !== "function") {
      throw new InvalidArgumentError("retryIf must be a function (error, attempt) => boolean.");
    }
    this.maxRetries = maxRetries;
    this.wait = wait;
    this.retryIf = retryIf;
    this.backoff = backoff ? normalizeBackoff(backoff === true ? {} : backoff, wait) : undefined;
  }

  /** Whether the attempt that just failed (counted from 1) gets a successor. */
  shouldRetry(error: unknown, failedAttempt: number): boolean {
    return failedAttempt < this.maxRetries && this.retryIf(error, failedAttempt);
  }

  /** How long to wait after `failedAttempt` (counted from 1) failed with `error`. */
  delayMs(error: unknown, failedAttempt: number): number {
    let delay = this.wait * 1000;
    if (this.backoff) {
      const { jitter, ...schedule } = this.backoff;
      delay = backoffDelayMs(failedAttempt, { ...schedule, jitter: jitter ? 1 : 0, random: this.random });
    }
    return Math.max(delay, retryAfterMs(error) ?? 0);
  }
}

// Dependency-free copy of @sluice/llm backoff.ts `backoffDelayMs`, checked by @sluice/test-tables backoff.json.
type BackoffSchedule = Omit<Required<BackoffOptions>, "jitter"> & {
  readonly jitter: number;
  readonly random: () => number;
};

/** cap = min(max, initial × multiplier^(attempt−1)), minus up to `jitter` of it: cap × (1 − jitter × random). */
export function backoffDelayMs(attempt: number, schedule: BackoffSchedule): number {
  const growth = schedule.multiplier ** Math.max(0, attempt - 1);
  const cap = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * growth);
  return cap * (1 - schedule.jitter * schedule.random());
}

/** The default retry predicate: everything but errors that declare themselves not retryable. */
export function isRetryable(error: unknown): boolean {
  return !(isObject(error) && error.retryable === false);
}

/** A delay the error asks for (e.g. from a 429's retry-after header), if it carries one. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!isObject(error)) return undefined;
  const value = error.retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function normalizeBackoff(options: BackoffOptions, waitSeconds: number): Required<BackoffOptions> {
  const resolved = {
    initialDelayMs: options.initialDelayMs ?? (waitSeconds > 0 ? waitSeconds * 1000 : 500),
    maxDelayMs: options.maxDelayMs ?? 30_000,
    multiplier: options.multiplier ?? 2,
    jitter: options.jitter ?? true,
  };
  for (const key of ["initialDelayMs", "maxDelayMs", "multiplier"] as const) {
    const value = resolved[key];
    if (!(Number.isFinite(value) && value >= (key === "multiplier" ? 1 : 0))) {
      throw new InvalidArgumentError(
        `backoff.${key} must be a finite number ${key === "multiplier" ? "of at least 1" : "of ms, 0 or more"} (got ${String(value)}).`,
      );
    }
  }
  return resolved;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
