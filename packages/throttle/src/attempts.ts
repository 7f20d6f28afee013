import type { Admission } from "./admission/admission.js";
import { REQUESTS, type ThrottleUsage } from "./cost.js";
import { ThrottleQuotaError } from "./errors.js";
import { feedbackFromError } from "./feedback.js";
import type { HeaderSync } from "./header-sync.js";
import { AttemptContext, type Job, RUNNING } from "./job.js";
import type { Lifecycle } from "./lifecycle.js";
import { type Reactions, refusalOf } from "./reactions.js";
import type { Retries } from "./retries.js";
import type { ThrottleState } from "./state.js";

/**
 * Running attempts: starting an admitted task, settling it (success, retry or failure), and
 * reconciling its reservation with the usage it reports.
 */
export class Attempts {
  constructor(
    private readonly state: ThrottleState,
    private readonly admission: Admission,
    private readonly retries: Retries,
    private readonly reactions: Reactions,
    private readonly lifecycle: Lifecycle,
    private readonly headerSync: HeaderSync,
  ) {}

  /** Runs an admitted job's task; its cost has already been taken from the buckets. */
  start(job: Job, now: number): void {
    const state = this.state;
    job.state = RUNNING;
    job.attempt++;
    job.admittedEpoch = state.concurrency.epoch;
    job.startedAt = now;
    job.countedByProvider = 0;
    state.running++;
    state.counts.attempts++;
    this.headerSync.noteAdmitted(job);
    const amounts = job.amounts;
    for (let slot = 0; slot < amounts.length; slot++) {
      const amount = amounts[slot]!;
      if (amount !== 0) {
        state.admittedTotals[slot]! += amount;
        state.chargedTotals[slot]! += amount;
      }
    }
    state.ramp.noteAdmitted(amounts[REQUESTS]!, now);
    this.retries.noteAttempt(job, now);
    if (state.emitter.has("admit")) {
      state.emitter.emit("admit", {
        attempt: job.attempt,
        priority: job.priority,
        waitedMs: now - job.enqueuedAt,
      });
    }
    const context = new AttemptContext(job, this.reconcile);
    let result: unknown;
    try {
      result = job.task(context);
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result).then(
      (value) => this.settle(job, context, true, value),
      (error) => this.settle(job, context, false, error),
    );
  }

  /** Applies a usage report to the buckets (bound: contexts call it, before or after the task settles). */
  private readonly reconcile = (context: AttemptContext, usage: ThrottleUsage): void => {
    const state = this.state;
    const actual = state.dimensions.parseUsage(usage, context.charged);
    const charged = context.ownsCharged ? (context.charged as number[]) : [...context.charged];
    context.charged = charged;
    context.ownsCharged = true;
    const now = state.clock.now();
    for (const [slot, value] of actual) {
      const delta = value - charged[slot]!;
      if (delta === 0) continue;
      charged[slot] = value;
      state.chargedTotals[slot]! += delta;
      // Headers that set this level already counted the attempt at what the provider charged.
      if ((context.job.countedByProvider & (1 << slot)) === 0) state.store.adjust(slot, -delta, now);
    }
    this.admission.admitWhatFits();
  };

  private settle(job: Job, context: AttemptContext, ok: boolean, outcome: unknown): void {
    const state = this.state;
    const now = state.clock.now();
    state.running--;
    state.store.releaseSlot?.(now);
    const duration = now - job.startedAt;
    state.noteDuration(duration);
    if (state.emitter.has("settle")) {
      state.emitter.emit(
        "settle",
        ok
          ? { attempt: context.attempt, ok, durationMs: duration }
          : { attempt: context.attempt, ok, durationMs: duration, error: outcome },
      );
    }
    if (ok) this.succeeded(job, outcome, now);
    else this.failed(job, outcome, now);
    this.headerSync.noteSettled(job);
    this.admission.admitWhatFits();
    this.lifecycle.checkIdle();
  }

  private succeeded(job: Job, value: unknown, now: number): void {
    const state = this.state;
    state.overload.noteAccepted(now);
    if (state.queue.size > 0) {
      const before = state.concurrency.limit;
      if (state.concurrency.increase(state.overload.pressure(now) === 0)) {
        state.emitter.emit("concurrency", {
          previous: before,
          current: state.concurrency.limit,
          reason: "recovered",
        });
      }
    }
    if (job.signal?.aborted) {
      state.counts.aborted++;
      state.finish(job, false, job.signal.reason);
    } else {
      state.counts.succeeded++;
      state.finish(job, true, value);
    }
  }

  /** An attempt failed: learn from the error, then retry, or fail the job. */
  private failed(job: Job, error: unknown, now: number): void {
    const state = this.state;
    const feedback = feedbackFromError(error);
    const reading =
      feedback === undefined ? undefined : this.reactions.ingest(feedback, now, job, state.running + 1);
    // Any answer but a capacity refusal shows the provider had room for the call.
    if (reading?.kind !== "overloaded" && reading?.kind !== "transport_failure")
      state.overload.noteAccepted(now);
    if (job.signal?.aborted) {
      state.counts.aborted++;
      state.finish(job, false, job.signal.reason);
      return;
    }
    if (reading?.kind === "quota_exhausted") {
      // Never retried. An error that does not already say so is wrapped so no outer loop retries it.
      state.counts.failed++;
      const notRetryable = (error as { retryable?: unknown } | null)?.retryable === false;
      state.finish(
        job,
        false,
        notRetryable ? error : new ThrottleQuotaError(refusalOf(reading, feedback), { cause: error }),
      );
      return;
    }
    const delay = this.lifecycle.retriesAllowed ? this.retries.delayFor(job, error, reading, now) : undefined;
    if (delay === undefined) {
      state.counts.failed++;
      state.finish(job, false, error);
      return;
    }
    this.retries.hold(job, delay, error, now);
  }
}
