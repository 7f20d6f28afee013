import { INPUT_TOKENS, REQUESTS } from "./cost.js";
import type { RateLimitHeaders, RateLimitWindow } from "./headers.js";
import type { Job } from "./job.js";
import { defaultBurst } from "./options.js";
import type { ThrottleState } from "./state.js";

/** Anthropic rounds token `remaining` values to the nearest thousand: one may be up to 500 high. */
const ROUNDING_SLACK = 500;

/**
 * Keeps the buckets in step with the provider's rate-limit headers: a `remaining` below our level
 * lowers it (other processes share the quota), a `remaining` above it raises it (`spendRemaining`:
 * the provider allows a larger burst than the safe one we assumed), a `limit` creates a bucket nobody
 * configured (`learnLimits`) or lowers a configured one. A `remaining` above our burst also widens
 * the burst to it: the provider has shown its bucket holds that much.
 *
 * A `remaining` is stale by the time we read it: attempts we admitted after the one it answers may
 * not be in it yet. So the raise subtracts everything admitted since the attempt that carried the
 * headers started (or, for `observe`, since the oldest attempt still running started): never more
 * than the provider would admit, and exact when the burst matters most, at the start of a batch.
 */
export class HeaderSync {
  /** By slot: whether the bucket's shape came from headers. */
  readonly learned: boolean[];
  // Running attempts, oldest first (intrusive, through Job.runPrev/runNext).
  private oldestRunning: Job | undefined;
  private newestRunning: Job | undefined;

  constructor(private readonly state: ThrottleState) {
    this.learned = state.options.shapes.map(() => false);
  }

  /** An attempt is about to be admitted (before its cost joins the admitted totals). */
  noteAdmitted(job: Job): void {
    job.admittedBefore = Array.from(this.state.admittedTotals);
    job.runNext = undefined;
    job.runPrev = this.newestRunning;
    if (this.newestRunning === undefined) this.oldestRunning = job;
    else this.newestRunning.runNext = job;
    this.newestRunning = job;
  }

  /** An attempt settled (after its feedback was applied). */
  noteSettled(job: Job): void {
    if (job.admittedBefore === undefined) return;
    if (job.runPrev === undefined) this.oldestRunning = job.runNext;
    else job.runPrev.runNext = job.runNext;
    if (job.runNext === undefined) this.newestRunning = job.runPrev;
    else job.runNext.runPrev = job.runPrev;
    job.runPrev = undefined;
    job.runNext = undefined;
    job.admittedBefore = undefined;
  }

  /** Applies the headers of a response; `job` is the attempt they answer, when known. */
  apply(headers: RateLimitHeaders, now: number, job?: Job): void {
    const answering = job ?? this.oldestRunning;
    this.window(0, headers.requests, now, answering);
    this.window(1, headers.inputTokens, now, answering);
    this.window(2, headers.outputTokens, now, answering);
    this.window(3, headers.tokens, now, answering);
  }

  private window(
    slot: number,
    window: RateLimitWindow | undefined,
    now: number,
    answering: Job | undefined,
  ): void {
    if (window === undefined) return;
    const since = answering?.admittedBefore;
    const { store, options } = this.state;
    const current = store.snapshot(slot, now);
    const limit = window.limit;
    if (limit !== undefined && options.learnLimits) {
      if (current === undefined) {
        const burst = defaultBurst(limit, options.burstSeconds);
        store.define(slot, { perMinute: limit, burst }, now, Math.min(burst, window.remaining ?? burst));
        this.learned[slot] = true;
        this.announce(slot, limit, burst);
      } else if (this.learned[slot] ? limit !== current.perMinute : limit < current.perMinute) {
        // Keep the burst as the same share of the limit, whether it was the default or configured.
        const burst = current.burst * (limit / current.perMinute);
        store.define(slot, { perMinute: limit, burst }, now);
        this.announce(slot, limit, burst);
      }
    }
    const remaining = window.remaining;
    if (remaining === undefined) return;
    // Other processes draw on the same quota: when the provider saw less left than we did, it is
    // right. (A value rounded to the thousand may be up to 500 low; allowing for that when lowering
    // let 429s through in the benchmark, so it is taken as sent.)
    const before = store.snapshot(slot, now)?.level;
    const adopted = store.lowerTo(slot, remaining, now);
    // The new level holds every attempt the provider had seen, at what it charged them. A shared
    // store says false: its level is not this response's figure, so the running attempts' refunds
    // must still reach it (skipping them slowed a shared quota to 1 / 1.15 of its rate).
    if (adopted === true || (adopted === undefined && changed(before, store.snapshot(slot, now)?.level)))
      this.countedByProvider(slot, undefined);
    if (!options.spendRemaining || store.raiseTo === undefined) return;
    // Raise only to the least a rounded value may stand for, less what it may not have counted yet.
    const rounding = slot !== 0 && remaining > 0 && remaining % 1_000 === 0 ? ROUNDING_SLACK : 0;
    const atLeast = remaining - rounding;
    const uncounted = since === undefined ? 0 : this.state.admittedTotals[slot]! - since[slot]!;
    const headroom = atLeast - uncounted;
    if (headroom > 0) {
      const level = store.snapshot(slot, now)?.level;
      store.raiseTo(slot, headroom, now);
      // The raise left out what was admitted since `answering` started; the attempts before it
      // are in `remaining`, at what the provider charged them.
      if (changed(level, store.snapshot(slot, now)?.level)) this.countedByProvider(slot, answering);
    }
    // A provider that reports more left than our burst holds at least that much: our bucket may hold
    // it too, so time lost to a late timer is made up as the provider's own bucket makes it up.
    const bucket = store.snapshot(slot, now);
    if (bucket !== undefined && atLeast > bucket.burst) {
      const burst = Math.min(atLeast, bucket.perMinute);
      if (burst > bucket.burst) {
        store.define(slot, { perMinute: bucket.perMinute, burst }, now);
        this.announce(slot, bucket.perMinute, burst);
      }
    }
  }

  /**
   * After a level was set from the provider's figures, the running attempts those figures count
   * must not correct the bucket again when they report usage: an input estimate 15% high would be
   * refunded twice, and the double refund is a 429. Only slots the provider charges for good on
   * arrival (requests, input tokens) are marked; an output reservation is still refunded by the
   * provider when the call ends, so its refund is still due. `before` limits the marking to attempts
   * admitted before it (the raise counts the later ones as not yet seen); undefined marks all.
   */
  private countedByProvider(slot: number, before: Job | undefined): void {
    if (slot !== REQUESTS && slot !== INPUT_TOKENS) return;
    const bit = 1 << slot;
    for (let job = this.oldestRunning; job !== undefined && job !== before; job = job.runNext) {
      job.countedByProvider |= bit;
    }
  }

  private announce(slot: number, perMinute: number, burst: number): void {
    this.state.emitter.emit("limit", {
      dimension: this.state.dimensions.names[slot]!,
      perMinute,
      burst,
      learned: this.learned[slot] ?? false,
    });
  }
}

function changed(before: number | undefined, after: number | undefined): boolean {
  return before !== undefined && after !== undefined && before !== after;
}
