import { TokenBucket, tolerance } from "./bucket.js";
import type { PauseReason } from "./events.js";

/** A per-minute limit as a bucket: refill rate and the most it holds. */
export interface BucketShape {
  /** Units refilled per minute (continuously, `perMinute / 60_000` per ms). */
  readonly perMinute: number;
  /** The most the bucket holds: how much may be admitted at once after a quiet spell. */
  readonly burst: number;
}

export interface BucketSnapshot extends BucketShape {
  /** Units available now; negative while a job larger than the burst is being paid off. */
  readonly level: number;
}

/**
 * Where bucket levels live. Dimensions are numbered slots (requests 0, inputTokens 1, outputTokens 2,
 * tokens 3, then custom dimensions in the order they were configured); a slot without a bucket is
 * unlimited. Amount vectors are indexed by slot.
 *
 * Every method is synchronous, so admission stays a few microseconds. The in-memory store is the one
 * shipped today. A store shared by several processes keeps the same semantics by making `tryTake`
 * and `tryTakeBeside` atomic on the shared side (for instance a script in a key-value server) and
 * leasing units to each process in small batches, so that this interface can still answer
 * synchronously from the local lease.
 */
export interface ThrottleStore {
  /** Creates the bucket in `slot` (full, or at `level`) or changes its shape, keeping its level. */
  define(slot: number, shape: BucketShape, now: number, level?: number): void;
  /** The bucket in `slot` now, or undefined when the slot is unlimited. */
  snapshot(slot: number, now: number): BucketSnapshot | undefined;
  /** The most one job may cost in `slot` (Infinity when unlimited). */
  maxCost(slot: number): number;
  /**
   * ms until every amount could be taken at once (0 when it can be now). A job larger than a bucket's
   * burst needs that bucket full and then leaves it in debt.
   */
  waitMs(amounts: ArrayLike<number>, now: number): number;
  /** Takes every amount if all fit now, and returns true; otherwise takes nothing. */
  tryTake(amounts: ArrayLike<number>, now: number): boolean;
  /**
   * Takes `amounts` only if they fit now without the burst-sized debt rule, and the buckets would still
   * hold what `reserved` needs `withinMs` from now: a job may pass a waiting one only if it does not
   * delay it.
   */
  tryTakeBeside(
    amounts: ArrayLike<number>,
    reserved: ArrayLike<number>,
    withinMs: number,
    now: number,
  ): boolean;
  /** Gives back (positive) or charges (negative) units in one slot, outside admission. */
  adjust(slot: number, delta: number, now: number): void;
  /**
   * Lowers the level of `slot` to at most `level` (the provider reported less than we counted).
   * Returns whether the bucket now holds the provider's figure, which already counts the running
   * attempts at what they were charged (their usage reports then leave the level alone): true for a
   * private bucket that was lowered; false for a store that cannot say, such as one shared by
   * several processes, whose shared level the provider's figure from one response does not set
   * (their refunds stay due). A store that returns nothing is judged by whether its snapshot changed.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: stores written before the answer existed return void, and must still fit.
  lowerTo(slot: number, level: number, now: number): boolean | void;
  /**
   * Optional: raises the level of `slot` to at least `level`, above the burst if need be, because
   * the provider reported that much headroom. A store without it keeps to the configured burst.
   */
  raiseTo?(slot: number, level: number, now: number): void;

  // What follows is for stores shared by several processes; a store without these methods is private
  // to one throttle, and the throttle behaves as if nobody else drew on the quota.

  /**
   * Optional: calls `onChange` whenever the shared state changed in a way that may let a waiting job
   * start (another process returned units or slots, a lease arrived, a pause or limit was shared).
   * The throttle runs its admission pass on it, so call it later (after an answer from the shared
   * side), never from inside a store method. Returns the unsubscribe function.
   */
  subscribe?(onChange: () => void): () => void;
  /**
   * Optional: a rate-limit pause this process saw (a 429 with retry-after), to be shared with every
   * process; `until` is in the caller's clock, as `now` is.
   */
  sharePause?(until: number, now: number, reason: PauseReason): void;
  /** Optional: the end of a pause another process shared, in the caller's clock (undefined: none). */
  pausedUntil?(now: number): number | undefined;
  /**
   * Optional: takes one slot of a concurrency cap shared by every process, and returns false when
   * none is free now (the store calls the `subscribe` listener once one may be).
   */
  acquireSlot?(now: number): boolean;
  /** Optional: gives back a slot `acquireSlot` took. */
  releaseSlot?(now: number): void;
}

/** Bucket state in this process's memory. */
export class MemoryStore implements ThrottleStore {
  private readonly buckets: (TokenBucket | undefined)[] = [];
  // Slots that hold a bucket, so admission never walks the unlimited ones.
  private active: number[] = [];

  define(slot: number, shape: BucketShape, now: number, level?: number): void {
    const existing = this.buckets[slot];
    if (existing === undefined) {
      this.buckets[slot] = new TokenBucket(shape.perMinute, shape.burst, now, level ?? shape.burst);
      this.active = [...this.active, slot].sort((a, b) => a - b);
      return;
    }
    existing.refill(now);
    existing.reshape(shape.perMinute, shape.burst);
  }

  snapshot(slot: number, now: number): BucketSnapshot | undefined {
    const bucket = this.buckets[slot];
    if (bucket === undefined) return undefined;
    bucket.refill(now);
    return { perMinute: bucket.perMinute, burst: bucket.burst, level: bucket.level };
  }

  maxCost(slot: number): number {
    return this.buckets[slot]?.maxCost ?? Number.POSITIVE_INFINITY;
  }

  waitMs(amounts: ArrayLike<number>, now: number): number {
    let wait = 0;
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount <= 0) continue;
      const bucket = this.buckets[slot]!;
      bucket.refill(now);
      const slotWait = bucket.waitMs(amount);
      if (slotWait > wait) wait = slotWait;
    }
    return wait;
  }

  tryTake(amounts: ArrayLike<number>, now: number): boolean {
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount <= 0) continue;
      const bucket = this.buckets[slot]!;
      bucket.refill(now);
      if (!bucket.fits(amount)) return false;
    }
    this.take(amounts);
    return true;
  }

  tryTakeBeside(
    amounts: ArrayLike<number>,
    reserved: ArrayLike<number>,
    withinMs: number,
    now: number,
  ): boolean {
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount <= 0) continue;
      const bucket = this.buckets[slot]!;
      bucket.refill(now);
      const slack = tolerance(amount);
      if (amount > bucket.level + slack) return false;
      // The waiting job needs `required` here at its start; refill until then must cover both.
      const needed = bucket.required(reserved[slot] ?? 0);
      if (amount > bucket.level + bucket.ratePerMs * withinMs - needed + slack) return false;
    }
    this.take(amounts);
    return true;
  }

  adjust(slot: number, delta: number, now: number): void {
    const bucket = this.buckets[slot];
    if (bucket === undefined || delta === 0) return;
    bucket.refill(now);
    bucket.adjust(delta);
  }

  lowerTo(slot: number, level: number, now: number): boolean {
    const bucket = this.buckets[slot];
    if (bucket === undefined) return false;
    bucket.refill(now);
    if (level >= bucket.level) return false;
    bucket.level = level;
    return true;
  }

  raiseTo(slot: number, level: number, now: number): void {
    const bucket = this.buckets[slot];
    if (bucket === undefined) return;
    bucket.refill(now);
    bucket.raiseTo(level);
  }

  private take(amounts: ArrayLike<number>): void {
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount > 0) this.buckets[slot]!.level -= amount;
    }
  }
}
