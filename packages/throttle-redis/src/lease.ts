import type { BucketShape, BucketSnapshot } from "@sluice/throttle";

/** The window over which the take rate is measured. */
const RATE_WINDOW_MS = 100;

/** Floating-point slack, as the in-memory bucket allows (a refill that lands a hair short). */
export function tolerance(amount: number): number {
  return 1e-9 * Math.max(1, amount);
}

/**
 * One bucket as this process sees it: the units leased to it (admission takes from them without
 * asking Redis), and the shared level as of the last reply, from which it estimates when asking
 * again can succeed.
 */
export class LeasedBucket {
  perMinute: number;
  burst: number;
  /** Units leased to this process and not yet admitted. */
  lease = 0;
  /** Real usage not yet sent: refunds (positive) and charges (negative). */
  adjusting = 0;
  /** When a job last took from the lease (local ms). */
  lastTakeAt = Number.NEGATIVE_INFINITY;
  /** Units this process admits per ms, smoothed: a lease must last while the next one is on its way. */
  takeRate = 0;
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowTaken = 0;
  // The shared side at `sharedAt` (local ms): Redis's level and every holder's unspent lease.
  private shared = 0;
  private leased = 0;
  private sharedAt = Number.NEGATIVE_INFINITY;

  constructor(shape: BucketShape) {
    this.perMinute = shape.perMinute;
    this.burst = shape.burst;
  }

  get ratePerMs(): number {
    return this.perMinute / 60_000;
  }

  /** The most one job may cost (as in memory: a job larger than the burst runs on a full bucket). */
  get maxCost(): number {
    return Math.max(this.perMinute, this.burst);
  }

  reshape(shape: BucketShape): void {
    this.perMinute = shape.perMinute;
    this.burst = shape.burst;
  }

  /** Admits `amount` from the lease at `at` (local ms). */
  take(amount: number, at: number): void {
    this.lease -= amount;
    this.lastTakeAt = at;
    if (at - this.windowStart > RATE_WINDOW_MS) {
      const elapsed = at - this.windowStart;
      const rate = Number.isFinite(elapsed) ? this.windowTaken / elapsed : 0;
      // A quiet spell (a window far longer than RATE_WINDOW_MS) brings the rate down at once.
      this.takeRate = elapsed > 4 * RATE_WINDOW_MS ? rate : (this.takeRate + rate) / 2;
      this.windowStart = at;
      this.windowTaken = 0;
    }
    this.windowTaken += amount;
  }

  /** Records what Redis said about the bucket. */
  observe(level: number, leased: number, perMinute: number, burst: number, at: number): void {
    this.shared = level;
    this.leased = leased;
    this.sharedAt = at;
    this.perMinute = perMinute;
    this.burst = burst;
  }

  /** Forget the shared level: another process gave units back, so the next need asks Redis. */
  invalidate(): void {
    this.sharedAt = Number.NEGATIVE_INFINITY;
  }

  /** Redis's level now, estimated (Infinity when unknown: only asking tells). */
  sharedLevel(at: number): number {
    if (this.sharedAt === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY;
    const cap = this.burst - this.leased;
    if (this.shared >= cap) return this.shared;
    return Math.min(cap, this.shared + (at - this.sharedAt) * this.ratePerMs);
  }

  /** Whether the lease alone covers `amount`. */
  covers(amount: number): boolean {
    return this.lease + tolerance(amount) >= amount;
  }

  /** ms until asking Redis for what the lease lacks of `amount` can succeed, by the estimate. */
  waitMs(amount: number, at: number): number {
    const missing = Math.min(amount, this.burst) - this.lease - this.sharedLevel(at);
    return missing <= tolerance(amount) ? 0 : missing / this.ratePerMs;
  }

  snapshot(at: number): BucketSnapshot {
    const shared = this.sharedLevel(at);
    return {
      perMinute: this.perMinute,
      burst: this.burst,
      level: this.lease + (Number.isFinite(shared) ? shared : 0),
    };
  }
}
