import { AdaptiveConcurrency } from "./admission/concurrency.js";
import { OverloadDetector } from "./admission/overload.js";
import { PriorityLanes } from "./admission/queue.js";
import { RampGovernor } from "./admission/ramp.js";
import { AbortWatch } from "./admission/signals.js";
import type { Clock } from "./clock.js";
import { Dimensions } from "./cost.js";
import { CostExceedsLimitError } from "./errors.js";
import { Emitter, type PauseReason } from "./events.js";
import { DONE, type Job } from "./job.js";
import type { ResolvedOptions } from "./options.js";
import type { ThrottleStore } from "./store.js";

/** The counters `stats()` reports, written by the parts that see each event. */
export interface Counts {
  submitted: number;
  attempts: number;
  succeeded: number;
  failed: number;
  aborted: number;
  rejected: number;
  retries: number;
  retriesDenied: number;
  rateLimited: number;
  rampLimited: number;
  overloaded: number;
  quotaExhausted: number;
  serverErrors: number;
  transportFailures: number;
}

/**
 * What every part of one throttle reads and writes: the options, the queue, the buckets' store, the
 * concurrency cap, the pause, the counters. Each concept (admission, retries, deadlines, feedback,
 * lifecycle) lives in its own module and works on this one object.
 */
export class ThrottleState {
  readonly clock: Clock;
  readonly store: ThrottleStore;
  readonly random: () => number;
  readonly dimensions: Dimensions;
  readonly queue: PriorityLanes<Job>;
  readonly concurrency: AdaptiveConcurrency;
  readonly ramp = new RampGovernor();
  readonly overload: OverloadDetector;
  readonly emitter = new Emitter();
  readonly abortWatch: AbortWatch<Job>;
  readonly admittedTotals: Float64Array;
  readonly chargedTotals: Float64Array;
  readonly counts: Counts = {
    submitted: 0,
    attempts: 0,
    succeeded: 0,
    failed: 0,
    aborted: 0,
    rejected: 0,
    retries: 0,
    retriesDenied: 0,
    rateLimited: 0,
    rampLimited: 0,
    overloaded: 0,
    quotaExhausted: 0,
    serverErrors: 0,
    transportFailures: 0,
  };
  running = 0;
  pausedUntil = Number.NEGATIVE_INFINITY;
  pauseReason: PauseReason | undefined;
  /** Mean task duration (exponentially weighted), in ms. */
  meanTaskMs = 0;
  private settledAttempts = 0;

  constructor(
    readonly options: ResolvedOptions,
    onAbort: (jobs: readonly Job[]) => void,
  ) {
    this.clock = options.clock;
    this.store = options.store;
    this.random = options.random;
    this.dimensions = new Dimensions(options.customDimensions);
    this.queue = new PriorityLanes<Job>(this.dimensions.size, options.agingMs);
    this.concurrency = new AdaptiveConcurrency(
      options.concurrency,
      options.adaptiveConcurrency,
      options.minConcurrency,
    );
    this.overload = new OverloadDetector(options.clock.now());
    this.abortWatch = new AbortWatch<Job>(onAbort);
    this.admittedTotals = new Float64Array(this.dimensions.size);
    this.chargedTotals = new Float64Array(this.dimensions.size);
  }

  /** Settles a job's promise for good and lets go of its signal. */
  finish(job: Job, ok: boolean, outcome: unknown): void {
    job.state = DONE;
    if (job.signal !== undefined) this.abortWatch.delete(job.signal, job);
    if (ok) job.resolve(outcome);
    else job.reject(outcome);
  }

  /** The error for a cost that a limit can never admit (limits may be learned or lowered later). */
  costAboveLimit(amounts: readonly number[]): CostExceedsLimitError | undefined {
    for (let slot = 0; slot < amounts.length; slot++) {
      const amount = amounts[slot]!;
      if (amount === 0) continue;
      const limit = this.store.maxCost(slot);
      if (amount > limit) return new CostExceedsLimitError(this.dimensions.names[slot]!, amount, limit);
    }
    return undefined;
  }

  noteDuration(ms: number): void {
    this.meanTaskMs = this.settledAttempts++ === 0 ? ms : this.meanTaskMs * 0.9 + ms * 0.1;
  }
}
