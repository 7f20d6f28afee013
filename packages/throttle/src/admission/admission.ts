import { REQUESTS } from "../cost.js";
import type { Deadlines } from "../deadlines.js";
import type { Job } from "../job.js";
import type { Retries } from "../retries.js";
import type { ThrottleState } from "../state.js";
import { takeBackfill } from "./backfill.js";

/**
 * The admission pass: starts every waiting job that may run now (a concurrency slot is free, no
 * pause, every bucket holds its cost) and keeps the throttle's one timer set for the next moment
 * anything could change (a bucket refills enough for the head, a pause or a backoff ends, a
 * deadline passes). Completions, aborts and feedback run a pass directly.
 */
export class Admission {
  private passing = false;
  private passAgain = false;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly state: ThrottleState,
    private readonly deadlines: Deadlines,
    private readonly retries: Retries,
    /** Starts an admitted job whose cost has been taken. */
    private readonly start: (job: Job, now: number) => void,
  ) {}

  /** Admits what fits now. Re-entrant calls (a task started synchronously) ask for one more pass. */
  admitWhatFits(): void {
    if (this.passing) {
      this.passAgain = true;
      return;
    }
    this.passing = true;
    try {
      let now: number;
      let wake: number;
      do {
        this.passAgain = false;
        now = this.state.clock.now();
        wake = this.pass(now);
      } while (this.passAgain);
      this.schedule(wake, now);
    } finally {
      this.passing = false;
    }
  }

  stopTimer(): void {
    this.schedule(Number.POSITIVE_INFINITY, 0);
  }

  /** One pass; returns when the next should run (Infinity: on the next event). */
  private pass(now: number): number {
    const state = this.state;
    const queue = state.queue;
    this.retries.promote(now);
    this.deadlines.expire(now);
    let wake = Number.POSITIVE_INFINITY;
    this.adoptSharedPause(now);
    while (queue.size > 0) {
      if (now < state.pausedUntil) {
        wake = state.pausedUntil;
        break;
      }
      const head = queue.select(now)!;
      if (head.signal?.aborted) {
        // Its abort listener has not run yet (another listener of the signal re-entered the throttle).
        this.dequeue(head);
        state.counts.aborted++;
        state.finish(head, false, head.signal.reason);
        continue;
      }
      const tooLarge = state.costAboveLimit(head.amounts);
      if (tooLarge !== undefined) {
        // A limit learned or lowered since the job was queued: it can never run now.
        this.dequeue(head);
        state.counts.rejected++;
        state.finish(head, false, tooLarge);
        continue;
      }
      if (state.running >= state.concurrency.limit) break; // a settling task runs a pass again
      const store = state.store;
      // A cap shared with other processes: the store calls back when a slot may be free again.
      if (store.acquireSlot?.(now) === false) break;
      const requests = head.amounts[REQUESTS]!;
      const wait = Math.max(store.waitMs(head.amounts, now), state.ramp.waitMs(requests, now));
      if (wait <= 0 && store.tryTake(head.amounts, now)) {
        state.ramp.take(requests);
        this.dequeue(head);
        this.start(head, now);
        continue;
      }
      store.releaseSlot?.(now);
      // A store shared with other processes may refuse what it just promised; look again shortly.
      const headWait = wait > 0 ? wait : 1;
      const passer = takeBackfill(state, head, headWait, now);
      if (passer !== undefined) {
        this.dequeue(passer);
        this.start(passer, now);
        // Starting a task runs user code, which may have changed the queue: begin a fresh pass.
        this.passAgain = true;
      }
      wake = now + headWait;
      break;
    }
    return Math.min(wake, this.retries.nextAt, this.deadlines.nextAt);
  }

  /** A rate-limit pause another process shared (through the store) holds this throttle too. */
  private adoptSharedPause(now: number): void {
    const state = this.state;
    const until = state.store.pausedUntil?.(now);
    if (until === undefined || until <= state.pausedUntil || until <= now) return;
    state.pausedUntil = until;
    state.pauseReason = "rate_limited";
    state.emitter.emit("pause", { reason: "rate_limited", until, retryAfterMs: undefined });
    this.deadlines.failBefore(until);
  }

  private dequeue(job: Job): void {
    this.state.queue.remove(job);
    this.deadlines.untrack(job);
  }

  private schedule(wake: number, now: number): void {
    const clock = this.state.clock;
    if (wake === Number.POSITIVE_INFINITY) {
      if (this.timer !== undefined) {
        clock.clearTimer(this.timer);
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
      }
      return;
    }
    if (this.timer !== undefined) {
      if (this.timerAt <= wake) return; // it fires first, and the pass it runs sets the next one
      clock.clearTimer(this.timer);
    }
    this.timerAt = wake;
    this.timer = clock.setTimer(this.onTimer, wake - now);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.admitWhatFits();
  };
}
