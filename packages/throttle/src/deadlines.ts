import { IndexedHeap } from "./admission/heap.js";
import { DeadlineExceededError, DeadlineUnreachableError } from "./errors.js";
import type { Job } from "./job.js";
import type { ThrottleState } from "./state.js";

/**
 * Start deadlines: a job never starts after its `deadline`. Queued jobs with one sit in a heap by
 * deadline, so the one timer can be set for the earliest, and a job that can no longer make it
 * (its deadline passed, or a pause ends after it) fails as soon as that is known.
 */
export class Deadlines {
  private readonly heap = new IndexedHeap<Job>(
    (job) => job.deadline,
    (job) => job.deadlineIndex,
    (job, index) => {
      job.deadlineIndex = index;
    },
  );
  private readonly scratch: Float64Array;

  constructor(private readonly state: ThrottleState) {
    this.scratch = new Float64Array(state.dimensions.size);
  }

  /** When the earliest queued deadline passes (Infinity: none). */
  get nextAt(): number {
    return this.heap.peekKey();
  }

  track(job: Job): void {
    if (job.deadline !== Number.POSITIVE_INFINITY) this.heap.push(job);
  }

  untrack(job: Job): void {
    this.heap.delete(job);
  }

  clear(): void {
    this.heap.clear();
  }

  /** Fails the queued jobs whose deadline has passed. */
  expire(now: number): void {
    while (this.heap.peekKey() <= now) {
      const job = this.heap.pop()!;
      this.fail(job, new DeadlineExceededError(job.deadline));
    }
  }

  /** Fails the queued jobs that must start before `until` (when a pause ends). */
  failBefore(until: number): void {
    while (this.heap.peekKey() < until) {
      const job = this.heap.pop()!;
      this.fail(job, new DeadlineUnreachableError(job.deadline, until));
    }
  }

  /** A lower bound on when a job could start: a pause, and the work queued ahead in its buckets. */
  earliestStart(amounts: readonly number[], priority: number, now: number): number {
    const { store, queue } = this.state;
    let start = Math.max(now, this.state.pausedUntil);
    const ahead = queue.totalsAtOrAbove(priority, this.scratch);
    for (let slot = 0; slot < amounts.length; slot++) {
      const amount = amounts[slot]!;
      if (amount <= 0) continue;
      const bucket = store.snapshot(slot, now);
      if (bucket === undefined) continue;
      const missing = ahead[slot]! + Math.min(amount, bucket.burst) - bucket.level;
      if (missing > 0) start = Math.max(start, now + missing / (bucket.perMinute / 60_000));
    }
    return start;
  }

  private fail(job: Job, error: Error): void {
    this.state.queue.remove(job);
    this.state.counts.rejected++;
    this.state.finish(job, false, error);
  }
}
