import { IndexedHeap } from "./admission/heap.js";
import type { Deadlines } from "./deadlines.js";
import type { FeedbackReading } from "./feedback.js";
import { DELAYED, type Job, QUEUED } from "./job.js";
import { backoffMs, RetryBudget } from "./retry.js";
import type { ThrottleState } from "./state.js";

/**
 * Retries owned by the throttle: whether a failed attempt gets another (the job's policy, the
 * provider's `x-should-retry`, the deadline and the shared retry budget all have a say), and the
 * jobs waiting out their backoff before they re-enter admission at the front of their lane.
 * The policy itself (attempts, backoff, `retryIf`) is in retry.ts.
 */
export class Retries {
  private readonly waiting = new IndexedHeap<Job>(
    (job) => job.readyAt,
    (job) => job.delayIndex,
    (job, index) => {
      job.delayIndex = index;
    },
  );
  private readonly budget: RetryBudget | undefined;

  constructor(
    private readonly state: ThrottleState,
    private readonly deadlines: Deadlines,
  ) {
    const budget = state.options.retryBudget;
    this.budget = budget === false ? undefined : new RetryBudget(budget, state.clock.now());
  }

  /** Jobs in backoff. */
  get size(): number {
    return this.waiting.size;
  }

  /** When the earliest backoff ends (Infinity: none). */
  get nextAt(): number {
    return this.waiting.peekKey();
  }

  /** A first attempt of a job that may retry: it earns the budget its share of retries. */
  noteAttempt(job: Job, now: number): void {
    if (job.attempt === 1 && job.retry !== undefined) this.budget?.noteFirstAttempt(now);
  }

  /** The backoff before the next attempt, or undefined when the job should fail now. */
  delayFor(job: Job, error: unknown, reading: FeedbackReading | undefined, now: number): number | undefined {
    const policy = job.retry;
    if (policy === undefined) return undefined;
    if (job.attempt >= policy.maxAttempts || reading?.headers?.shouldRetry === false) return undefined;
    if (!policy.retryIf(error, job.attempt)) return undefined;
    const askedMs = reading?.retryAfterMs ?? retryAfterOf(error) ?? 0;
    const delay = Math.max(backoffMs(policy, job.attempt, this.state.random), askedMs);
    if (now + delay >= job.deadline) return undefined;
    if (this.budget !== undefined && !this.budget.tryRetry(now)) {
      this.state.counts.retriesDenied++;
      this.state.emitter.emit("retry-denied", { attempt: job.attempt, error });
      return undefined;
    }
    return delay;
  }

  /** Parks `job` for `delay` ms; it re-enters the queue when its backoff ends. */
  hold(job: Job, delay: number, error: unknown, now: number): void {
    job.state = DELAYED;
    job.readyAt = now + delay;
    this.waiting.push(job);
    this.state.counts.retries++;
    this.state.emitter.emit("retry", { attempt: job.attempt, delayMs: delay, error });
  }

  /** Moves the jobs whose backoff has ended to the front of their lanes. */
  promote(now: number): void {
    while (this.waiting.peekKey() <= now) {
      const job = this.waiting.pop()!;
      job.state = QUEUED;
      this.state.queue.pushFront(job);
      this.deadlines.track(job);
    }
  }

  delete(job: Job): void {
    this.waiting.delete(job);
  }

  clear(): Job[] {
    return this.waiting.clear();
  }
}

function retryAfterOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
