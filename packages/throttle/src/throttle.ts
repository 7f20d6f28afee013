import { Admission } from "./admission/admission.js";
import { Attempts } from "./attempts.js";
import { Deadlines } from "./deadlines.js";
import { DeadlineUnreachableError } from "./errors.js";
import type { ThrottleEventName, ThrottleListener } from "./events.js";
import type { ProviderFeedback } from "./feedback.js";
import { HeaderSync } from "./header-sync.js";
import { DELAYED, Job, QUEUED, type ThrottleTaskContext } from "./job.js";
import { type CloseOptions, Lifecycle } from "./lifecycle.js";
import { resolveOptions, type ThrottleOptions } from "./options.js";
import { Reactions } from "./reactions.js";
import { Retries } from "./retries.js";
import { ThrottleState } from "./state.js";
import type { BucketStats, ThrottleStats } from "./stats.js";
import {
  checkFeedback,
  checkTask,
  type ParsedRun,
  parseRunOptions,
  type ThrottleRunOptions,
} from "./validation.js";

export type { CloseOptions } from "./lifecycle.js";
export type { Priority, ThrottleRunOptions } from "./validation.js";

/**
 * One limiter for LLM calls: a concurrency cap plus token buckets for requests, input tokens, output
 * tokens and combined tokens per minute, all admitted together, steered by the provider's own
 * signals (rate-limit headers, 429, 529). It satisfies @sluice/core's `Limiter` interface.
 *
 * @example
 * const throttle = new Throttle({ concurrency: 16, requestsPerMinute: 1_000, inputTokensPerMinute: 450_000,
 *   outputTokensPerMinute: 90_000 });
 * const text = await throttle.run(
 *   async ({ signal, reportUsage }) => {
 *     const response = await client.messages.create({ ...request, max_tokens: 1024 }, { signal });
 *     reportUsage({ inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens });
 *     return response;
 *   },
 *   { cost: { inputTokens: 2_000, outputTokens: 1_024 } },
 * );
 */
export class Throttle {
  private readonly state: ThrottleState;
  private readonly deadlines: Deadlines;
  private readonly retries: Retries;
  private readonly admission: Admission;
  private readonly lifecycle: Lifecycle;
  private readonly headerSync: HeaderSync;
  private readonly reactions: Reactions;
  private readonly unsubscribe: (() => void) | undefined;

  constructor(options: ThrottleOptions = {}) {
    const resolved = resolveOptions(options);
    const state = new ThrottleState(resolved, (jobs) => this.abortWaiting(jobs));
    const now = state.clock.now();
    resolved.shapes.forEach((shape, slot) => {
      if (shape !== undefined) state.store.define(slot, shape, now);
    });
    this.state = state;
    this.deadlines = new Deadlines(state);
    this.retries = new Retries(state, this.deadlines);
    this.admission = new Admission(state, this.deadlines, this.retries, (job, at) => attempts.start(job, at));
    this.lifecycle = new Lifecycle(state, this.retries, this.deadlines, this.admission);
    this.headerSync = new HeaderSync(state);
    this.reactions = new Reactions(state, this.headerSync, this.deadlines, this.lifecycle);
    const attempts = new Attempts(
      state,
      this.admission,
      this.retries,
      this.reactions,
      this.lifecycle,
      this.headerSync,
    );
    // A store shared with other processes says when their work freed capacity or paused us all.
    this.unsubscribe = state.store.subscribe?.(() => this.admission.admitWhatFits());
  }

  /**
   * Runs `task` once it is admitted: a concurrency slot is free and every bucket holds the job's
   * cost (taken all at once, or not at all). Resolves or rejects as the task does.
   *
   * A task that throws synchronously rejects the same way (its slot is released at once). Bad
   * options reject with ThrottleArgumentError / InvalidCostError, a cost above a limit with
   * CostExceedsLimitError, after `close()` with ThrottleClosedError, and after a quota refusal with
   * ThrottleQuotaError; none of these is charged anything.
   */
  run<T>(
    task: (context: ThrottleTaskContext) => T | PromiseLike<T>,
    options?: ThrottleRunOptions,
  ): Promise<T> {
    const lifecycle = this.lifecycle;
    const state = this.state;
    const badTask = checkTask(task);
    if (badTask !== undefined) return lifecycle.refuse(badTask);
    const refusal = lifecycle.refusal();
    if (refusal !== undefined) return lifecycle.refuse(refusal);
    let parsed: ParsedRun;
    try {
      parsed = parseRunOptions(options, state.dimensions, state.options.retry);
    } catch (error) {
      return lifecycle.refuse(error);
    }
    const { amounts, priority, deadline, retry, signal } = parsed;
    if (signal?.aborted) {
      state.counts.aborted++;
      return Promise.reject(signal.reason);
    }
    const tooLarge = state.costAboveLimit(amounts);
    if (tooLarge !== undefined) return lifecycle.refuse(tooLarge);
    const now = state.clock.now();
    if (deadline !== Number.POSITIVE_INFINITY) {
      const earliest = this.deadlines.earliestStart(amounts, priority, now);
      if (earliest >= deadline) return lifecycle.refuse(new DeadlineUnreachableError(deadline, earliest));
    }
    return new Promise<T>((resolve, reject) => {
      const job = new Job(task, resolve, reject, signal, priority, deadline, retry, amounts, now);
      if (signal !== undefined) state.abortWatch.add(signal, job);
      state.counts.submitted++;
      state.queue.pushBack(job);
      this.deadlines.track(job);
      this.admission.admitWhatFits();
    });
  }

  /**
   * Feeds the throttle what the provider said about a call: status, rate-limit headers, error type
   * and code. Call it after every response (successes carry the headers that keep the buckets in
   * step with the provider). Errors thrown by tasks are observed automatically.
   *
   * @example
   * const response = await fetch(url, init);
   * throttle.observe({ status: response.status, headers: response.headers });
   */
  observe(feedback: ProviderFeedback): void {
    checkFeedback(feedback);
    this.reactions.ingest(feedback, this.state.clock.now(), undefined, this.state.running);
    this.admission.admitWhatFits();
  }

  /** A snapshot of queue, buckets, pauses and counters. */
  stats(): ThrottleStats {
    const state = this.state;
    const now = state.clock.now();
    const buckets: Record<string, BucketStats> = {};
    const admitted: Record<string, number> = {};
    const charged: Record<string, number> = {};
    state.dimensions.names.forEach((name, slot) => {
      const snapshot = state.store.snapshot(slot, now);
      if (snapshot !== undefined)
        buckets[name] = { ...snapshot, learned: this.headerSync.learned[slot] ?? false };
      admitted[name] = state.admittedTotals[slot]!;
      charged[name] = state.chargedTotals[slot]!;
    });
    const paused = now < state.pausedUntil;
    const rampOn = state.ramp.isActive(now);
    return {
      queued: state.queue.size,
      running: state.running,
      waitingRetry: this.retries.size,
      concurrency: state.concurrency.limit,
      configuredConcurrency: state.options.concurrency,
      pausedUntil: paused ? state.pausedUntil : undefined,
      pauseReason: paused ? state.pauseReason : undefined,
      rampRequestsPerMinute: rampOn ? state.ramp.rate(now) * 60_000 : undefined,
      halted: this.lifecycle.halt !== undefined,
      closed: this.lifecycle.mode !== "open",
      buckets,
      admitted,
      charged,
      ...state.counts,
      meanTaskMs: state.meanTaskMs,
    };
  }

  on<K extends ThrottleEventName>(event: K, listener: ThrottleListener<K>): this {
    this.state.emitter.on(event, listener);
    return this;
  }

  off<K extends ThrottleEventName>(event: K, listener: ThrottleListener<K>): this {
    this.state.emitter.off(event, listener);
    return this;
  }

  /** Lifts the halt a quota refusal caused (once the spend cap was raised or credit added). */
  resume(): void {
    this.lifecycle.resume();
    this.admission.admitWhatFits();
  }

  /**
   * Stops accepting jobs. Queued jobs are rejected with ThrottleClosedError (or, with `drain: true`,
   * run to the end); running tasks are never interrupted. Resolves once nothing is running.
   */
  close(options: CloseOptions = {}): Promise<void> {
    return this.lifecycle.close(options).then(() => this.unsubscribe?.());
  }

  /** A signal fired: every waiting job of it leaves before admission runs again. */
  private abortWaiting(jobs: readonly Job[]): void {
    const state = this.state;
    for (const job of jobs) {
      if (job.state === QUEUED) {
        state.queue.remove(job);
        this.deadlines.untrack(job);
      } else if (job.state === DELAYED) {
        this.retries.delete(job);
      } else {
        continue; // running: the task sees its signal fire; the slot is held until the task settles
      }
      state.counts.aborted++;
      state.finish(job, false, job.signal!.reason);
    }
    this.admission.admitWhatFits();
    this.lifecycle.checkIdle();
  }
}
