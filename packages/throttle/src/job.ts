import type { AbortSignalLike } from "./abort-signal.js";
import type { Lane, LaneEntry } from "./admission/queue.js";
import type { Watched } from "./admission/signals.js";
import type { ThrottleUsage } from "./cost.js";
import type { RetryPolicy } from "./retry.js";

/** What a task receives when its attempt is admitted. */
export interface ThrottleTaskContext {
  /** Fires when the job is cancelled through its `signal`; pass it on to the HTTP call. */
  readonly signal: AbortSignalLike;
  /** This attempt's number, from 1 (retries owned by the throttle count up). */
  readonly attempt: number;
  /**
   * Reports the attempt's real usage so the buckets are corrected: the unused part of a `max_tokens`
   * reservation is refunded, an underestimate is charged. Totals, not increments: a later report
   * replaces an earlier one (stream usage as it grows). May be called after the task settled.
   */
  reportUsage(actual: ThrottleUsage): void;
}

export const QUEUED = 0;
export const DELAYED = 1;
export const RUNNING = 2;
export const DONE = 3;
export type JobState = typeof QUEUED | typeof DELAYED | typeof RUNNING | typeof DONE;

/**
 * One `run` call, from submission until its promise settles, across attempts. It is its own queue
 * node, heap entry and abort-list node, so a waiting job costs this one object.
 */
export class Job implements LaneEntry<Job>, Watched<Job> {
  prev: Job | undefined = undefined;
  next: Job | undefined = undefined;
  watchPrev: Job | undefined = undefined;
  watchNext: Job | undefined = undefined;
  lane: Lane<Job> | undefined = undefined;
  state: JobState = QUEUED;
  attempt = 0;
  /** Position in the deadline heap (-1: not in it). */
  deadlineIndex = -1;
  /** Position in the retry-backoff heap (-1: not in it). */
  delayIndex = -1;
  /** When a retry in backoff may re-enter the queue. */
  readyAt = 0;
  /** The concurrency controller's epoch when the running attempt was admitted. */
  admittedEpoch = 0;
  startedAt = 0;
  /** While running: neighbours in the list of running attempts, oldest first. */
  runPrev: Job | undefined = undefined;
  runNext: Job | undefined = undefined;
  /** What the throttle had admitted in all, by slot, just before this attempt (see HeaderSync). */
  admittedBefore: number[] | undefined = undefined;
  /**
   * Slots (bit per slot) whose level was since set from the provider's headers, which already
   * count this attempt as the provider charged it: its usage report then corrects the totals only,
   * not the bucket again (see HeaderSync).
   */
  countedByProvider = 0;

  constructor(
    readonly task: (context: ThrottleTaskContext) => unknown,
    readonly resolve: (value: any) => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignalLike | undefined,
    readonly priority: number,
    readonly deadline: number,
    readonly retry: RetryPolicy | undefined,
    readonly amounts: readonly number[],
    readonly enqueuedAt: number,
  ) {}
}

/** The context of one attempt; it remembers what was charged so reportUsage can correct it. */
export class AttemptContext implements ThrottleTaskContext {
  readonly attempt: number;
  readonly reportUsage: (actual: ThrottleUsage) => void;
  /** What this attempt holds in each slot now; shared with the job until the first report. */
  charged: readonly number[];
  ownsCharged = false;
  private ownSignal: AbortSignalLike | undefined;

  constructor(
    readonly job: Job,
    reconcile: (context: AttemptContext, usage: ThrottleUsage) => void,
  ) {
    this.attempt = job.attempt;
    this.charged = job.amounts;
    // Bound here so that destructuring `{ reportUsage }` out of the context keeps working.
    this.reportUsage = (actual) => reconcile(this, actual);
  }

  get signal(): AbortSignalLike {
    // Created only when asked for: a job without a signal of its own is never cancelled.
    if (this.job.signal !== undefined) return this.job.signal;
    this.ownSignal ??= new AbortController().signal as AbortSignalLike;
    return this.ownSignal;
  }
}
