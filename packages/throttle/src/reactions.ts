import type { Deadlines } from "./deadlines.js";
import type { ProviderRefusal } from "./errors.js";
import type { PauseReason } from "./events.js";
import { type FeedbackReading, type ProviderFeedback, readFeedback } from "./feedback.js";
import type { HeaderSync } from "./header-sync.js";
import type { Job } from "./job.js";
import type { Lifecycle } from "./lifecycle.js";
import type { ThrottleState } from "./state.js";

/** Pause after a rate-limit 429 that named no wait. */
const DEFAULT_PAUSE_MS = 1_000;
/** Pause jitter: uniform in [0, min(PAUSE_JITTER_MAX_MS, PAUSE_JITTER_SHARE × wait)]. */
const PAUSE_JITTER_MAX_MS = 1_000;
const PAUSE_JITTER_SHARE = 0.2;
/** Failures reported through `observe` remembered, to count each failure once when its task throws it too. */
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
 * What the throttle does with what the provider said (feedback.ts reads it): headers sync the
 * buckets, a rate-limit 429 pauses admissions, an acceleration 429 engages the ramp brake, a spend
 * cap halts, an overload goes to the concurrency cap.
 */
export class Reactions {
  private readonly recentFailures: (ObservedFailure | undefined)[] = new Array(RECENT_FEEDBACK);
  private recentFailureIndex = 0;

  constructor(
    private readonly state: ThrottleState,
    private readonly headerSync: HeaderSync,
    private readonly deadlines: Deadlines,
    private readonly lifecycle: Lifecycle,
  ) {}

  /**
   * Applies one piece of feedback. `job` is the job whose task threw it (undefined for `observe`);
   * `inFlight` counts calls in flight when it arrived.
   */
  ingest(feedback: ProviderFeedback, now: number, job: Job | undefined, inFlight: number): FeedbackReading {
    const state = this.state;
    const reading = readFeedback(feedback, now);
    if (reading.headers !== undefined) this.headerSync.apply(reading.headers, now, job);
    const kind = reading.kind;
    if (kind === "ok" || kind === "client_error") return reading;
    // The same failure often arrives twice: observed by the caller, then thrown out of the task.
    if (job === undefined) this.rememberFailure(feedback, reading, now);
    else if (this.claimObserved(feedback, reading, job)) return reading;

    if (kind === "rate_limited" || kind === "ramp_limited") {
      state.counts.rateLimited++;
      this.pause(now, reading.retryAfterMs, kind);
      if (kind === "ramp_limited") {
        state.counts.rampLimited++;
        state.emitter.emit("ramp", { requestsPerMinute: state.ramp.engage(now) });
      }
    } else if (kind === "quota_exhausted") {
      state.counts.quotaExhausted++;
      if (state.options.haltOnQuota && this.lifecycle.halt === undefined)
        this.lifecycle.haltFor(refusalOf(reading, feedback), feedback);
    } else if (kind === "overloaded") {
      state.counts.overloaded++;
      // Weather (most calls still get through) is retried; only our own load moves the cap.
      if (state.overload.noteRefused(now) === 0) return reading;
      const before = state.concurrency.limit;
      // Reports not tied to a job are grouped by the typical call duration.
      const holdMs = Math.max(1_000, state.meanTaskMs);
      if (state.concurrency.decrease(inFlight, now, job?.admittedEpoch, holdMs)) {
        state.emitter.emit("concurrency", {
          previous: before,
          current: state.concurrency.limit,
          reason: "overloaded",
        });
      }
    } else if (kind === "transport_failure") {
      // Connection weather says nothing about the provider's capacity or our load.
      state.counts.transportFailures++;
    } else {
      state.counts.serverErrors++;
    }
    return reading;
  }

  private pause(now: number, retryAfterMs: number | undefined, reason: PauseReason): void {
    const state = this.state;
    const wait = retryAfterMs ?? DEFAULT_PAUSE_MS;
    const jitter = state.random() * Math.min(PAUSE_JITTER_MAX_MS, PAUSE_JITTER_SHARE * wait);
    const until = now + wait + jitter;
    if (until <= state.pausedUntil) return;
    state.pausedUntil = until;
    state.pauseReason = reason;
    state.emitter.emit("pause", { reason, until, retryAfterMs });
    state.store.sharePause?.(until, now, reason);
    // Jobs that must start before the pause ends can be told now.
    this.deadlines.failBefore(until);
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
}

export function refusalOf(reading: FeedbackReading, feedback: ProviderFeedback | undefined): ProviderRefusal {
  return { status: feedback?.status, errorType: reading.errorType, errorCode: reading.errorCode };
}
