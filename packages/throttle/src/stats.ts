import type { PauseReason } from "./events.js";

/** One dimension's bucket, as `stats()` reports it. */
export interface BucketStats {
  readonly perMinute: number;
  readonly burst: number;
  /** Units available now; negative while a job larger than the burst is being paid off. */
  readonly level: number;
  /** Whether the limit came from the provider's headers rather than the options. */
  readonly learned: boolean;
}

/** A snapshot of the throttle, enough to draw a progress line and compute benchmark figures. */
export interface ThrottleStats {
  /** Jobs waiting for admission. */
  readonly queued: number;
  /** Attempts admitted whose task has not settled. */
  readonly running: number;
  /** Jobs in retry backoff, to re-enter admission later. */
  readonly waitingRetry: number;
  /** The effective concurrency cap now (Infinity: none). */
  readonly concurrency: number;
  /** The configured cap (Infinity: none). */
  readonly configuredConcurrency: number;
  /** When a 429 pause ends (epoch ms), if admissions are paused. */
  readonly pausedUntil: number | undefined;
  readonly pauseReason: PauseReason | undefined;
  /** The ramp brake's request rate cap, while an acceleration 429 is being honoured. */
  readonly rampRequestsPerMinute: number | undefined;
  /** Whether a quota refusal halted the throttle (until `resume()`). */
  readonly halted: boolean;
  readonly closed: boolean;
  /** Buckets by dimension (only limited dimensions appear). */
  readonly buckets: Readonly<Record<string, BucketStats>>;
  /** Cost admitted so far by dimension (every attempt, before reconciliation). */
  readonly admitted: Readonly<Record<string, number>>;
  /** Cost charged so far by dimension, after reportUsage corrections. */
  readonly charged: Readonly<Record<string, number>>;
  /** `run` calls accepted. */
  readonly submitted: number;
  /** Attempts admitted (first attempts and retries). */
  readonly attempts: number;
  readonly succeeded: number;
  /** Jobs that failed for good (after retries, if any). */
  readonly failed: number;
  /** Jobs cancelled through their signal. */
  readonly aborted: number;
  /** Jobs refused before running: bad input, cost above a limit, unreachable deadline, closed, halted. */
  readonly rejected: number;
  readonly retries: number;
  /** Retries refused by the retry budget. */
  readonly retriesDenied: number;
  /** Rate-limit 429s observed (acceleration 429s included). */
  readonly rateLimited: number;
  /** Acceleration 429s (`ramp_limit_exceeded`) observed. */
  readonly rampLimited: number;
  /** Capacity errors observed (529, 503, mid-stream overloaded). */
  readonly overloaded: number;
  /** Spend-cap or quota refusals observed. */
  readonly quotaExhausted: number;
  /** Other 5xx and timeouts observed. */
  readonly serverErrors: number;
  /** Connection-level failures observed (`transportFailure`: refused, reset, stream cut). */
  readonly transportFailures: number;
  /** Mean task duration (exponentially weighted), in ms; 0 before the first settles. */
  readonly meanTaskMs: number;
}
