import { describe } from "./cost.js";
import { ThrottleArgumentError } from "./errors.js";

/**
 * Retries owned by the throttle. Each retry re-enters admission and pays its cost again, waits a
 * backoff with full jitter (uniform in (0, cap]) and at least the provider's retry-after, and is
 * granted only while the throttle's retry budget allows.
 */
export interface RetryOptions {
  /** Attempts in all, counting the first. Default 3. */
  readonly maxAttempts?: number;
  /** Backoff cap for the first retry, in ms. Default 500. */
  readonly initialDelayMs?: number;
  /** No backoff exceeds this (ms). Default 30,000. A provider's retry-after is honoured even above it. */
  readonly maxDelayMs?: number;
  /** Growth of the backoff cap per attempt. Default 2. */
  readonly multiplier?: number;
  /** Whether a failed attempt (counted from 1) deserves another. Default: `isRetryableError`. */
  readonly retryIf?: (error: unknown, attempt: number) => boolean;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly retryIf: (error: unknown, attempt: number) => boolean;
}

/** The validated policy for `options` (fields not given come from `base`, then the defaults). */
export function resolveRetry(
  options: RetryOptions | boolean | undefined,
  base?: RetryPolicy,
): RetryPolicy | undefined {
  if (options === undefined) return base;
  if (options === false) return undefined;
  if (options === true) return base ?? resolveRetry({});
  if (typeof options !== "object" || options === null) {
    throw new ThrottleArgumentError(
      `retry must be false, true or an object such as { maxAttempts: 4 } (got ${describe(options)}).`,
    );
  }
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? base?.maxAttempts ?? 3,
    initialDelayMs: options.initialDelayMs ?? base?.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? base?.maxDelayMs ?? 30_000,
    multiplier: options.multiplier ?? base?.multiplier ?? 2,
    retryIf: options.retryIf ?? base?.retryIf ?? isRetryableError,
  };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new ThrottleArgumentError(
      `retry.maxAttempts must be a whole number, at least 1 (got ${describe(policy.maxAttempts)}). ` +
        "It counts the first attempt: 3 means one try and two retries.",
    );
  }
  for (const key of ["initialDelayMs", "maxDelayMs"] as const) {
    const value = policy[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new ThrottleArgumentError(
        `retry.${key} must be a finite number of ms, 0 or more (got ${describe(value)}).`,
      );
    }
  }
  if (typeof policy.multiplier !== "number" || !Number.isFinite(policy.multiplier) || policy.multiplier < 1) {
    throw new ThrottleArgumentError(
      `retry.multiplier must be a finite number, at least 1 (got ${describe(policy.multiplier)}).`,
    );
  }
  if (typeof policy.retryIf !== "function") {
    throw new ThrottleArgumentError("retry.retryIf must be a function (error, attempt) => boolean.");
  }
  return policy;
}

/** Backoff before the attempt after `failedAttempt` (counted from 1): full jitter under an exponential cap. */
export function backoffMs(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  return backoffDelayMs(failedAttempt, { ...policy, jitter: 1, random });
}

// Dependency-free copy of @sluice/llm backoff.ts `backoffDelayMs`, checked by @sluice/test-tables backoff.json.
type BackoffSchedule = Pick<RetryPolicy, "initialDelayMs" | "maxDelayMs" | "multiplier"> & {
  readonly jitter: number;
  readonly random: () => number;
};

/** cap = min(max, initial × multiplier^(attempt−1)), minus up to `jitter` of it: cap × (1 − jitter × random). */
export function backoffDelayMs(attempt: number, schedule: BackoffSchedule): number {
  const growth = schedule.multiplier ** Math.max(0, attempt - 1);
  const cap = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * growth);
  return cap * (1 - schedule.jitter * schedule.random());
}

const RETRYABLE_STATUSES = new Set([408, 409, 429]);

/**
 * The default retry predicate: the error's own `retryable` when it is a boolean, else its HTTP
 * `status` (408, 409, 429 and 5xx, 529 included), else a mid-stream `overloaded_error`. Anything
 * else, including plain programming errors, is not retried. (Quota refusals are never retried,
 * whatever this says: the throttle checks them first.)
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const fields = error as Record<string, unknown>;
  if (typeof fields.retryable === "boolean") return fields.retryable;
  const status = fields.status;
  if (typeof status === "number") return RETRYABLE_STATUSES.has(status) || (status >= 500 && status <= 599);
  return fields.errorType === "overloaded_error";
}

/** How many retries the throttle may make, relative to the first attempts it ran. */
export interface RetryBudgetOptions {
  /** Retries allowed per first attempt, over the window. Default 0.5 (one retry per two jobs). */
  readonly ratio?: number;
  /** Retries always allowed per window, so a quiet throttle can still retry. Default 10. */
  readonly minRetries?: number;
  /** The window the counts decay over (exponentially), in ms. Default 60,000. */
  readonly windowMs?: number;
}

/**
 * Stops retry storms: when most calls fail, retrying each one multiplies the load on a provider that
 * is already struggling. A retry is granted while retries over the recent window stay below
 * `minRetries + ratio × first attempts`; counts decay exponentially with the window as time constant.
 */
export class RetryBudget {
  readonly ratio: number;
  readonly minRetries: number;
  readonly windowMs: number;
  private firstAttempts = 0;
  private retries = 0;
  private updatedAt: number;

  constructor(options: RetryBudgetOptions, now: number) {
    this.ratio = options.ratio ?? 0.5;
    this.minRetries = options.minRetries ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    if (!(Number.isFinite(this.ratio) && this.ratio >= 0)) {
      throw new ThrottleArgumentError(
        `retryBudget.ratio must be a finite number, 0 or more (got ${describe(this.ratio)}); 0.5 allows one retry per two jobs.`,
      );
    }
    if (!(Number.isFinite(this.minRetries) && this.minRetries >= 0)) {
      throw new ThrottleArgumentError(
        `retryBudget.minRetries must be a finite number, 0 or more (got ${describe(this.minRetries)}).`,
      );
    }
    if (!(Number.isFinite(this.windowMs) && this.windowMs > 0)) {
      throw new ThrottleArgumentError(
        `retryBudget.windowMs must be a positive number of ms (got ${describe(this.windowMs)}).`,
      );
    }
    this.updatedAt = now;
  }

  noteFirstAttempt(now: number): void {
    this.decay(now);
    this.firstAttempts += 1;
  }

  /** Spends one retry if the budget allows it. */
  tryRetry(now: number): boolean {
    this.decay(now);
    if (this.retries + 1 > this.minRetries + this.ratio * this.firstAttempts) return false;
    this.retries += 1;
    return true;
  }

  /** Retries the budget would grant right now. */
  available(now: number): number {
    this.decay(now);
    return Math.max(0, Math.floor(this.minRetries + this.ratio * this.firstAttempts - this.retries));
  }

  private decay(now: number): void {
    const elapsed = now - this.updatedAt;
    this.updatedAt = now;
    if (elapsed <= 0) return;
    const factor = Math.exp(-elapsed / this.windowMs);
    this.firstAttempts *= factor;
    this.retries *= factor;
  }
}
