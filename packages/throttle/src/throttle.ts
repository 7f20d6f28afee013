import { AdaptiveConcurrency } from "./admission/concurrency.js";
import { IndexedHeap } from "./admission/heap.js";
import { PriorityLanes } from "./admission/queue.js";
import { RampGovernor } from "./admission/ramp.js";
import { AbortWatch } from "./admission/signals.js";
import type { Clock } from "./clock.js";
import { Dimensions, describe, REQUESTS, type ThrottleCost, type ThrottleUsage } from "./cost.js";
import {
  CostExceedsLimitError,
  DeadlineExceededError,
  DeadlineUnreachableError,
  InvalidArgumentError,
  type ProviderRefusal,
  QuotaExhaustedError,
  ThrottleClosedError,
} from "./errors.js";
import { Emitter, type PauseReason, type ThrottleEventName, type ThrottleListener } from "./events.js";
import { type FeedbackReading, feedbackFromError, type ProviderFeedback, readFeedback } from "./feedback.js";
import type { RateLimitHeaders, RateLimitWindow } from "./headers.js";
import { AttemptContext, DELAYED, DONE, Job, QUEUED, RUNNING, type ThrottleTaskContext } from "./job.js";
import { defaultBurst, type ResolvedOptions, resolveOptions, type ThrottleOptions } from "./options.js";
import { backoffMs, RetryBudget, type RetryOptions, type RetryPolicy, resolveRetry } from "./retry.js";
import type { BucketStats, ThrottleStats } from "./stats.js";
import type { ThrottleStore } from "./store.js";

/** How urgent a job is: a number (higher runs first) or a named lane (high 1, normal 0, low -1). */
export type Priority = number | "high" | "normal" | "low";

export interface ThrottleRunOptions {
  /** What the job consumes. Default: one request. */
  readonly cost?: ThrottleCost;
  /** Cancels the job: removed if still waiting (nothing charged), signalled if running. */
  readonly signal?: AbortSignal;
  /** Default "normal" (0). */
  readonly priority?: Priority;
  /**
   * Latest time (epoch ms, on the throttle's clock) the job may start. A job that cannot start in
   * time is rejected as soon as that is known, rather than timing out late.
   */
  readonly deadline?: number;
  /** Retries owned by the throttle for this job; overrides the constructor's `retry`. */
  readonly retry?: RetryOptions | boolean;
}

export interface CloseOptions {
  /** Let queued jobs (and their retries) run to the end instead of rejecting them. Default false. */
  readonly drain?: boolean;
}

const PRIORITIES: Readonly<Record<string, number>> = { high: 1, normal: 0, low: -1 };
/** Pause after a rate-limit 429 that named no wait. */
const DEFAULT_PAUSE_MS = 1_000;
/** Pause jitter: uniform in [0, min(PAUSE_JITTER_MAX_MS, PAUSE_JITTER_SHARE × wait)]. */
const PAUSE_JITTER_MAX_MS = 1_000;
const PAUSE_JITTER_SHARE = 0.2;
const RECENT_FEEDBACK = 16;

interface ObservedFailure {
  readonly status: number | undefined;
  readonly errorType: string | undefined;
  readonly errorCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly at: number;
  claimed: boolean;
}

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
  private readonly options: ResolvedOptions;
  private readonly clock: Clock;
  private readonly store: ThrottleStore;
  private readonly random: () => number;
  private readonly dimensions: Dimensions;
  private readonly queue: PriorityLanes<Job>;
  private readonly delayed = new IndexedHeap<Job>(
    (job) => job.readyAt,
    (job) => job.delayIndex,
    (job, index) => {
      job.delayIndex = index;
    },
  );
  private readonly deadlines = new IndexedHeap<Job>(
    (job) => job.deadline,
    (job) => job.deadlineIndex,
    (job, index) => {
      job.deadlineIndex = index;
    },
  );
  private readonly concurrencyCap: AdaptiveConcurrency;
  private readonly ramp = new RampGovernor();
  private readonly retryBudget: RetryBudget | undefined;
  private readonly emitter = new Emitter();
  private readonly abortWatch = new AbortWatch<Job>((jobs) => this.abortJobs(jobs));
  /** By slot: whether the bucket's shape came from headers. */
  private readonly learned: boolean[];
  private readonly admittedTotals: Float64Array;
  private readonly chargedTotals: Float64Array;
  private readonly scratch: Float64Array;
  private readonly recentFailures: (ObservedFailure | undefined)[] = new Array(RECENT_FEEDBACK);
  private recentFailureIndex = 0;

  private running = 0;
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private pauseReason: PauseReason | undefined;
  private halt: { refusal: ProviderRefusal; cause: unknown } | undefined;
  private closeMode: "open" | "drain" | "reject" = "open";
  private readonly closeWaiters: (() => void)[] = [];
  private admitting = false;
  private admitAgain = false;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;
  private meanTaskMs = 0;
  private settledAttempts = 0;
  private readonly counts = {
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
  };

  constructor(options: ThrottleOptions = {}) {
    this.options = resolveOptions(options);
    const { clock, store, random, shapes } = this.options;
    this.clock = clock;
    this.store = store;
    this.random = random;
    this.dimensions = new Dimensions(this.options.customDimensions);
    this.queue = new PriorityLanes<Job>(this.dimensions.size, this.options.agingMs);
    this.concurrencyCap = new AdaptiveConcurrency(
      this.options.concurrency,
      this.options.adaptiveConcurrency,
      this.options.minConcurrency,
    );
    const now = clock.now();
    this.retryBudget =
      this.options.retryBudget === false ? undefined : new RetryBudget(this.options.retryBudget, now);
    shapes.forEach((shape, slot) => {
      if (shape !== undefined) store.define(slot, shape, now);
    });
    this.learned = shapes.map(() => false);
    this.admittedTotals = new Float64Array(this.dimensions.size);
    this.chargedTotals = new Float64Array(this.dimensions.size);
    this.scratch = new Float64Array(this.dimensions.size);
  }

  /**
   * Runs `task` once it is admitted: a concurrency slot is free and every bucket holds the job's
   * cost (taken all at once, or not at all). Resolves or rejects as the task does.
   *
   * A task that throws synchronously rejects the same way (its slot is released at once). Bad
   * options reject with InvalidArgumentError / InvalidCostError, a cost above a limit with
   * CostExceedsLimitError, after `close()` with ThrottleClosedError, and after a quota refusal with
   * QuotaExhaustedError; none of these is charged anything.
   */
  run<T>(
    task: (context: ThrottleTaskContext) => T | PromiseLike<T>,
    options?: ThrottleRunOptions,
  ): Promise<T> {
    if (typeof task !== "function") {
      return this.refuse(
        new InvalidArgumentError(
          `run expects a task function ({ signal, attempt, reportUsage }) => Promise (got ${describe(task)}).`,
        ),
      );
    }
    if (this.closeMode !== "open") return this.refuse(new ThrottleClosedError());
    if (this.halt !== undefined) return this.refuse(this.quotaError());

    let amounts = this.dimensions.defaultAmounts;
    let priority = 0;
    let deadline = Number.POSITIVE_INFINITY;
    let retry = this.options.retry;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      try {
        if (typeof options !== "object" || options === null) {
          throw new InvalidArgumentError(
            `run options must be an object such as { cost, signal, priority } (got ${describe(options)}).`,
          );
        }
        amounts = this.dimensions.parseCost(options.cost);
        priority = parsePriority(options.priority);
        deadline = parseDeadline(options.deadline);
        retry = resolveRetry(options.retry, this.options.retry);
        signal = parseSignal(options.signal);
      } catch (error) {
        return this.refuse(error);
      }
      if (signal?.aborted) {
        this.counts.aborted++;
        return Promise.reject(signal.reason);
      }
    }

    const tooLarge = this.exceededLimit(amounts);
    if (tooLarge !== undefined) return this.refuse(tooLarge);
    const now = this.clock.now();
    if (deadline !== Number.POSITIVE_INFINITY) {
      const earliest = this.earliestStart(amounts, priority, now);
      if (earliest >= deadline) return this.refuse(new DeadlineUnreachableError(deadline, earliest));
    }

    return new Promise<T>((resolve, reject) => {
      const job = new Job(task, resolve, reject, signal, priority, deadline, retry, amounts, now);
      if (signal !== undefined) this.abortWatch.add(signal, job);
      this.counts.submitted++;
      this.queue.pushBack(job);
      if (deadline !== Number.POSITIVE_INFINITY) this.deadlines.push(job);
      this.drain();
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
    const now = this.clock.now();
    this.ingest(feedback, now, undefined, this.running);
    this.drain();
  }

  /** A snapshot of queue, buckets, pauses and counters. */
  stats(): ThrottleStats {
    const now = this.clock.now();
    const buckets: Record<string, BucketStats> = {};
    const admitted: Record<string, number> = {};
    const charged: Record<string, number> = {};
    this.dimensions.names.forEach((name, slot) => {
      const snapshot = this.store.snapshot(slot, now);
      if (snapshot !== undefined) buckets[name] = { ...snapshot, learned: this.learned[slot] ?? false };
      admitted[name] = this.admittedTotals[slot]!;
      charged[name] = this.chargedTotals[slot]!;
    });
    const paused = now < this.pausedUntil;
    const rampOn = this.ramp.isActive(now);
    return {
      queued: this.queue.size,
      running: this.running,
      waitingRetry: this.delayed.size,
      concurrency: this.concurrencyCap.limit,
      configuredConcurrency: this.options.concurrency,
      pausedUntil: paused ? this.pausedUntil : undefined,
      pauseReason: paused ? this.pauseReason : undefined,
      rampRequestsPerMinute: rampOn ? this.ramp.rate(now) * 60_000 : undefined,
      halted: this.halt !== undefined,
      closed: this.closeMode !== "open",
      buckets,
      admitted,
      charged,
      ...this.counts,
      meanTaskMs: this.meanTaskMs,
    };
  }

  on<K extends ThrottleEventName>(event: K, listener: ThrottleListener<K>): this {
    this.emitter.on(event, listener);
    return this;
  }

  off<K extends ThrottleEventName>(event: K, listener: ThrottleListener<K>): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** Lifts the halt a quota refusal caused (once the spend cap was raised or credit added). */
  resume(): void {
    this.halt = undefined;
    this.drain();
  }

  /**
   * Stops accepting jobs. Queued jobs are rejected with ThrottleClosedError (or, with `drain: true`,
   * run to the end); running tasks are never interrupted. Resolves once nothing is running.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closeMode === "open") {
      this.closeMode = options.drain === true ? "drain" : "reject";
      if (this.closeMode === "reject") this.rejectWaiting(() => new ThrottleClosedError());
    }
    if (this.isIdle()) {
      this.schedule(Number.POSITIVE_INFINITY, 0);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  // --- callbacks ---------------------------------------------------------------------------------

  /** A signal fired: every waiting job of it leaves before admission runs again. */
  private abortJobs(jobs: readonly Job[]): void {
    for (const job of jobs) {
      if (job.state === QUEUED) {
        this.queue.remove(job);
        this.deadlines.delete(job);
      } else if (job.state === DELAYED) {
        this.delayed.delete(job);
      } else {
        // Running: the task sees its signal fire; the slot is held until the task settles.
        continue;
      }
      this.counts.aborted++;
      this.finish(job, false, job.signal!.reason);
    }
    this.drain();
    this.checkIdle();
  }

  /** Applies a usage report to the buckets (bound: contexts call it). */
  private readonly reconcile = (context: AttemptContext, usage: ThrottleUsage): void => {
    const actual = this.dimensions.parseUsage(usage, context.charged);
    const charged = context.ownsCharged ? (context.charged as number[]) : [...context.charged];
    context.charged = charged;
    context.ownsCharged = true;
    const now = this.clock.now();
    for (const [slot, value] of actual) {
      const delta = value - charged[slot]!;
      if (delta === 0) continue;
      charged[slot] = value;
      this.chargedTotals[slot]! += delta;
      this.store.adjust(slot, -delta, now);
    }
    this.drain();
  };

  // --- admission ----------------------------------------------------------------------------------

  /** Admits whatever can run now and sets the one timer for the next moment anything could change. */
  private drain(): void {
    if (this.admitting) {
      this.admitAgain = true;
      return;
    }
    this.admitting = true;
    try {
      let now: number;
      let wake: number;
      do {
        this.admitAgain = false;
        now = this.clock.now();
        wake = this.admit(now);
      } while (this.admitAgain);
      this.schedule(wake, now);
    } finally {
      this.admitting = false;
    }
  }

  /** One admission pass; returns when it should run again (Infinity: on the next event). */
  private admit(now: number): number {
    this.promoteRetries(now);
    this.expireDeadlines(now);
    let wake = Number.POSITIVE_INFINITY;
    const queue = this.queue;
    while (queue.size > 0) {
      if (now < this.pausedUntil) {
        wake = this.pausedUntil;
        break;
      }
      const head = queue.select(now)!;
      if (head.signal?.aborted) {
        // Its abort listener has not run yet (another listener of the signal re-entered the throttle).
        this.dropAborted(head);
        continue;
      }
      const tooLarge = this.exceededLimit(head.amounts);
      if (tooLarge !== undefined) {
        // A limit learned or lowered since the job was queued: it can never run now.
        this.dequeue(head);
        this.counts.rejected++;
        this.finish(head, false, tooLarge);
        continue;
      }
      if (this.running >= this.concurrencyCap.limit) break; // a settling task calls drain again
      const requests = head.amounts[REQUESTS]!;
      const wait = Math.max(this.store.waitMs(head.amounts, now), this.ramp.waitMs(requests, now));
      if (wait <= 0 && this.store.tryTake(head.amounts, now)) {
        this.ramp.take(requests);
        this.dequeue(head);
        this.start(head, now);
        continue;
      }
      // A store shared with other processes may refuse what it just promised; look again shortly.
      const headWait = wait > 0 ? wait : 1;
      this.backfill(head, headWait, now);
      wake = now + headWait;
      break;
    }
    return Math.min(wake, this.delayed.peekKey(), this.deadlines.peekKey());
  }

  /**
   * Head-of-line rule. The head (the job with the highest effective priority) waits for its buckets;
   * a job behind it is started now only if it fits the buckets now, a concurrency slot stays free
   * for the head, and every bucket will still hold the head's cost when the head is due. Small jobs
   * thus fill idle capacity without delaying the large job at the head. At most `backfillLookahead`
   * waiting jobs are examined, so the pass stays O(1) however long the queue.
   */
  private backfill(head: Job, headWait: number, now: number): void {
    if (this.running + 1 >= this.concurrencyCap.limit) return;
    let examined = 0;
    const limit = this.options.backfillLookahead;
    const headRequests = head.amounts[REQUESTS]!;
    for (const lane of this.queue.lanes) {
      for (let job = lane.head; job !== undefined; job = job.next) {
        if (job === head || job.signal?.aborted) continue;
        if (++examined > limit) return;
        if (this.exceededLimit(job.amounts) !== undefined) continue;
        const requests = job.amounts[REQUESTS]!;
        if (!this.ramp.fitsBeside(requests, headRequests, headWait, now)) continue;
        if (!this.store.tryTakeBeside(job.amounts, head.amounts, headWait, now)) continue;
        this.ramp.take(requests);
        this.dequeue(job);
        this.start(job, now);
        // Starting a task runs user code, which may have changed the queue: begin a fresh pass.
        this.admitAgain = true;
        return;
      }
    }
  }

  private dropAborted(job: Job): void {
    this.dequeue(job);
    this.counts.aborted++;
    this.finish(job, false, job.signal!.reason);
  }

  private dequeue(job: Job): void {
    this.queue.remove(job);
    this.deadlines.delete(job);
  }

  private start(job: Job, now: number): void {
    job.state = RUNNING;
    job.attempt++;
    job.admittedEpoch = this.concurrencyCap.epoch;
    job.startedAt = now;
    this.running++;
    this.counts.attempts++;
    const amounts = job.amounts;
    for (let slot = 0; slot < amounts.length; slot++) {
      const amount = amounts[slot]!;
      if (amount !== 0) {
        this.admittedTotals[slot]! += amount;
        this.chargedTotals[slot]! += amount;
      }
    }
    this.ramp.noteAdmitted(amounts[REQUESTS]!, now);
    if (job.attempt === 1 && job.retry !== undefined) this.retryBudget?.noteFirstAttempt(now);
    if (this.emitter.has("admit")) {
      this.emitter.emit("admit", {
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

  private settle(job: Job, context: AttemptContext, ok: boolean, outcome: unknown): void {
    const now = this.clock.now();
    this.running--;
    const duration = now - job.startedAt;
    this.meanTaskMs = this.settledAttempts++ === 0 ? duration : this.meanTaskMs * 0.9 + duration * 0.1;
    if (this.emitter.has("settle")) {
      this.emitter.emit(
        "settle",
        ok
          ? { attempt: context.attempt, ok, durationMs: duration }
          : { attempt: context.attempt, ok, durationMs: duration, error: outcome },
      );
    }
    if (ok) {
      if (this.queue.size > 0) {
        const before = this.concurrencyCap.limit;
        if (this.concurrencyCap.increase()) {
          this.emitter.emit("concurrency", {
            previous: before,
            current: this.concurrencyCap.limit,
            reason: "recovered",
          });
        }
      }
      if (job.signal?.aborted) {
        this.counts.aborted++;
        this.finish(job, false, job.signal.reason);
      } else {
        this.counts.succeeded++;
        this.finish(job, true, outcome);
      }
    } else {
      this.failed(job, outcome, now);
    }
    this.drain();
    this.checkIdle();
  }

  /** An attempt failed: learn from the error, then retry, or fail the job. */
  private failed(job: Job, error: unknown, now: number): void {
    const feedback = feedbackFromError(error);
    const reading = feedback === undefined ? undefined : this.ingest(feedback, now, job, this.running + 1);
    if (job.signal?.aborted) {
      this.counts.aborted++;
      this.finish(job, false, job.signal.reason);
      return;
    }
    if (reading?.kind === "quota_exhausted") {
      // Never retried. An error that does not already say so is wrapped so no outer loop retries it.
      this.counts.failed++;
      const notRetryable = (error as { retryable?: unknown } | null)?.retryable === false;
      this.finish(
        job,
        false,
        notRetryable ? error : new QuotaExhaustedError(refusalOf(reading, feedback), { cause: error }),
      );
      return;
    }
    const delay = this.retryDelay(job, error, reading, now);
    if (delay === undefined) {
      this.counts.failed++;
      this.finish(job, false, error);
      return;
    }
    job.state = DELAYED;
    job.readyAt = now + delay;
    this.delayed.push(job);
    this.counts.retries++;
    this.emitter.emit("retry", { attempt: job.attempt, delayMs: delay, error });
  }

  /** The backoff before the next attempt, or undefined when the job should fail now. */
  private retryDelay(
    job: Job,
    error: unknown,
    reading: FeedbackReading | undefined,
    now: number,
  ): number | undefined {
    const policy: RetryPolicy | undefined = job.retry;
    if (policy === undefined || this.closeMode === "reject" || this.halt !== undefined) return undefined;
    if (job.attempt >= policy.maxAttempts || reading?.headers?.shouldRetry === false) return undefined;
    if (!policy.retryIf(error, job.attempt)) return undefined;
    const askedMs = reading?.retryAfterMs ?? retryAfterOf(error) ?? 0;
    const delay = Math.max(backoffMs(policy, job.attempt, this.random), askedMs);
    if (now + delay >= job.deadline) return undefined;
    if (this.retryBudget !== undefined && !this.retryBudget.tryRetry(now)) {
      this.counts.retriesDenied++;
      this.emitter.emit("retry-denied", { attempt: job.attempt, error });
      return undefined;
    }
    return delay;
  }

  private finish(job: Job, ok: boolean, outcome: unknown): void {
    job.state = DONE;
    if (job.signal !== undefined) this.abortWatch.delete(job.signal, job);
    if (ok) job.resolve(outcome);
    else job.reject(outcome);
  }

  private promoteRetries(now: number): void {
    while (this.delayed.peekKey() <= now) {
      const job = this.delayed.pop()!;
      job.state = QUEUED;
      this.queue.pushFront(job);
      if (job.deadline !== Number.POSITIVE_INFINITY) this.deadlines.push(job);
    }
  }

  /** Jobs must start before their deadline; those still waiting at it fail. */
  private expireDeadlines(now: number): void {
    while (this.deadlines.peekKey() <= now) {
      const job = this.deadlines.pop()!;
      this.queue.remove(job);
      this.counts.rejected++;
      this.finish(job, false, new DeadlineExceededError(job.deadline));
    }
  }

  /** A lower bound on when a job could start: a pause, and the work queued ahead in its buckets. */
  private earliestStart(amounts: readonly number[], priority: number, now: number): number {
    let start = Math.max(now, this.pausedUntil);
    const ahead = this.queue.totalsAtOrAbove(priority, this.scratch);
    for (let slot = 0; slot < amounts.length; slot++) {
      const amount = amounts[slot]!;
      if (amount <= 0) continue;
      const bucket = this.store.snapshot(slot, now);
      if (bucket === undefined) continue;
      const missing = ahead[slot]! + Math.min(amount, bucket.burst) - bucket.level;
      if (missing > 0) start = Math.max(start, now + missing / (bucket.perMinute / 60_000));
    }
    return start;
  }

  private exceededLimit(amounts: readonly number[]): CostExceedsLimitError | undefined {
    for (let slot = 0; slot < amounts.length; slot++) {
      const amount = amounts[slot]!;
      if (amount === 0) continue;
      const limit = this.store.maxCost(slot);
      if (amount > limit) return new CostExceedsLimitError(this.dimensions.names[slot]!, amount, limit);
    }
    return undefined;
  }

  private schedule(wake: number, now: number): void {
    if (wake === Number.POSITIVE_INFINITY) {
      if (this.timer !== undefined) {
        this.clock.clearTimer(this.timer);
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
      }
      return;
    }
    if (this.timer !== undefined) {
      if (this.timerAt <= wake) return; // it fires first, and the pass it runs sets the next one
      this.clock.clearTimer(this.timer);
    }
    this.timerAt = wake;
    this.timer = this.clock.setTimer(this.onTimer, wake - now);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.drain();
  };

  // --- feedback -----------------------------------------------------------------------------------

  /**
   * Applies one piece of feedback. `job` is the job whose task threw it (undefined for `observe`);
   * `inFlight` counts calls in flight when it arrived.
   */
  private ingest(
    feedback: ProviderFeedback,
    now: number,
    job: Job | undefined,
    inFlight: number,
  ): FeedbackReading {
    const reading = readFeedback(feedback, now);
    if (reading.headers !== undefined) this.syncHeaders(reading.headers, now);
    const kind = reading.kind;
    if (kind === "ok" || kind === "client_error") return reading;
    // The same failure often arrives twice: observed by the caller, then thrown out of the task.
    if (job === undefined) this.rememberFailure(feedback, reading, now);
    else if (this.claimObserved(feedback, reading, job)) return reading;

    if (kind === "rate_limited" || kind === "ramp_limited") {
      this.counts.rateLimited++;
      this.pause(now, reading.retryAfterMs, kind);
      if (kind === "ramp_limited") {
        this.counts.rampLimited++;
        this.emitter.emit("ramp", { requestsPerMinute: this.ramp.engage(now) });
      }
    } else if (kind === "quota_exhausted") {
      this.counts.quotaExhausted++;
      if (this.options.haltOnQuota && this.halt === undefined)
        this.haltFor(refusalOf(reading, feedback), feedback);
    } else if (kind === "overloaded") {
      this.counts.overloaded++;
      const before = this.concurrencyCap.limit;
      // Reports not tied to a job are grouped by the typical call duration.
      const holdMs = Math.max(1_000, this.meanTaskMs);
      if (this.concurrencyCap.decrease(inFlight, now, job?.admittedEpoch, holdMs)) {
        this.emitter.emit("concurrency", {
          previous: before,
          current: this.concurrencyCap.limit,
          reason: "overloaded",
        });
      }
    } else {
      this.counts.serverErrors++;
    }
    return reading;
  }

  private rememberFailure(feedback: ProviderFeedback, reading: FeedbackReading, now: number): void {
    this.recentFailures[this.recentFailureIndex] = {
      status: feedback.status,
      errorType: reading.errorType,
      errorCode: reading.errorCode,
      retryAfterMs: reading.retryAfterMs,
      at: now,
      claimed: false,
    };
    this.recentFailureIndex = (this.recentFailureIndex + 1) % RECENT_FEEDBACK;
  }

  /** Whether the failure a job threw was already observed (during the attempt) through `observe`. */
  private claimObserved(feedback: ProviderFeedback, reading: FeedbackReading, job: Job): boolean {
    for (const record of this.recentFailures) {
      if (
        record !== undefined &&
        !record.claimed &&
        record.at >= job.startedAt &&
        record.status === feedback.status &&
        record.errorType === reading.errorType &&
        record.errorCode === reading.errorCode &&
        record.retryAfterMs === reading.retryAfterMs
      ) {
        record.claimed = true;
        return true;
      }
    }
    return false;
  }

  private pause(now: number, retryAfterMs: number | undefined, reason: PauseReason): void {
    const wait = retryAfterMs ?? DEFAULT_PAUSE_MS;
    const jitter = this.random() * Math.min(PAUSE_JITTER_MAX_MS, PAUSE_JITTER_SHARE * wait);
    const until = now + wait + jitter;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.pauseReason = reason;
    this.emitter.emit("pause", { reason, until, retryAfterMs });
    // Jobs that must start before the pause ends can be told now.
    while (this.deadlines.peekKey() < until) {
      const job = this.deadlines.pop()!;
      this.queue.remove(job);
      this.counts.rejected++;
      this.finish(job, false, new DeadlineUnreachableError(job.deadline, until));
    }
  }

  /** Keeps the buckets in step with what the provider reports, and learns limits nobody configured. */
  private syncHeaders(headers: RateLimitHeaders, now: number): void {
    this.syncWindow(0, headers.requests, now);
    this.syncWindow(1, headers.inputTokens, now);
    this.syncWindow(2, headers.outputTokens, now);
    this.syncWindow(3, headers.tokens, now);
  }

  private syncWindow(slot: number, window: RateLimitWindow | undefined, now: number): void {
    if (window === undefined) return;
    const current = this.store.snapshot(slot, now);
    const limit = window.limit;
    if (limit !== undefined && this.options.learnLimits) {
      if (current === undefined) {
        const burst = defaultBurst(limit, this.options.burstSeconds);
        this.store.define(slot, { perMinute: limit, burst }, now, Math.min(burst, window.remaining ?? burst));
        this.learned[slot] = true;
        this.emitter.emit("limit", {
          dimension: this.dimensions.names[slot]!,
          perMinute: limit,
          burst,
          learned: true,
        });
      } else if (this.learned[slot] ? limit !== current.perMinute : limit < current.perMinute) {
        // Keep the burst as the same share of the limit, whether it was the default or configured.
        const burst = current.burst * (limit / current.perMinute);
        this.store.define(slot, { perMinute: limit, burst }, now);
        this.emitter.emit("limit", {
          dimension: this.dimensions.names[slot]!,
          perMinute: limit,
          burst,
          learned: this.learned[slot] ?? false,
        });
      }
    }
    // Other processes draw on the same quota: when the provider saw less left than we did, it is right.
    if (window.remaining !== undefined) this.store.lowerTo(slot, window.remaining, now);
  }

  private haltFor(refusal: ProviderRefusal, cause: unknown): void {
    this.halt = { refusal, cause };
    this.rejectWaiting(() => this.quotaError());
    this.emitter.emit("quota", { error: this.quotaError() });
  }

  private quotaError(): QuotaExhaustedError {
    const halt = this.halt!;
    return new QuotaExhaustedError(halt.refusal, { cause: halt.cause });
  }

  // --- lifecycle ----------------------------------------------------------------------------------

  /** Fails every job that has not started (queued or in retry backoff). */
  private rejectWaiting(makeError: () => unknown): void {
    const waiting = [...this.queue.clear(), ...this.delayed.clear()];
    this.deadlines.clear();
    for (const job of waiting) {
      this.counts.rejected++;
      this.finish(job, false, makeError());
    }
    this.checkIdle();
  }

  private refuse<T>(error: unknown): Promise<T> {
    this.counts.rejected++;
    return Promise.reject(error);
  }

  private isIdle(): boolean {
    return this.running === 0 && this.queue.size === 0 && this.delayed.size === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    this.emitter.emit("idle", {});
    if (this.closeMode !== "open") {
      this.schedule(Number.POSITIVE_INFINITY, 0);
      for (const resolve of this.closeWaiters.splice(0)) resolve();
    }
  }
}

function parsePriority(priority: Priority | undefined): number {
  if (priority === undefined) return 0;
  if (typeof priority === "number") {
    if (Number.isFinite(priority)) return priority;
  } else if (typeof priority === "string") {
    const named = PRIORITIES[priority];
    if (named !== undefined) return named;
  }
  throw new InvalidArgumentError(
    `priority must be "high", "normal", "low" or a finite number, higher first (got ${describe(priority)}).`,
  );
}

function parseDeadline(deadline: number | undefined): number {
  if (deadline === undefined) return Number.POSITIVE_INFINITY;
  if (typeof deadline !== "number" || Number.isNaN(deadline)) {
    throw new InvalidArgumentError(
      `deadline must be a time in epoch ms, e.g. Date.now() + 30_000 (got ${describe(deadline)}).`,
    );
  }
  return deadline;
}

function parseSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (
    typeof signal !== "object" ||
    signal === null ||
    typeof signal.aborted !== "boolean" ||
    typeof signal.addEventListener !== "function"
  ) {
    throw new InvalidArgumentError(`signal must be an AbortSignal (got ${describe(signal)}).`);
  }
  return signal;
}

function checkFeedback(feedback: ProviderFeedback): void {
  if (typeof feedback !== "object" || feedback === null) {
    throw new InvalidArgumentError(
      `observe expects an object such as { status, headers } (got ${describe(feedback)}).`,
    );
  }
  const { status, retryAfterMs, errorType, errorCode, headers } = feedback;
  if (status !== undefined && (typeof status !== "number" || !Number.isInteger(status))) {
    throw new InvalidArgumentError(`feedback.status must be an HTTP status code (got ${describe(status)}).`);
  }
  if (retryAfterMs !== undefined && (typeof retryAfterMs !== "number" || Number.isNaN(retryAfterMs))) {
    throw new InvalidArgumentError(
      `feedback.retryAfterMs must be a number of ms (got ${describe(retryAfterMs)}).`,
    );
  }
  for (const [name, value] of [
    ["errorType", errorType],
    ["errorCode", errorCode],
  ] as const) {
    if (value !== undefined && typeof value !== "string") {
      throw new InvalidArgumentError(`feedback.${name} must be a string (got ${describe(value)}).`);
    }
  }
  if (headers !== undefined && (typeof headers !== "object" || headers === null)) {
    throw new InvalidArgumentError(
      `feedback.headers must be a Headers object or a record of header values (got ${describe(headers)}).`,
    );
  }
}

function refusalOf(reading: FeedbackReading, feedback: ProviderFeedback | undefined): ProviderRefusal {
  return { status: feedback?.status, errorType: reading.errorType, errorCode: reading.errorCode };
}

function retryAfterOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
