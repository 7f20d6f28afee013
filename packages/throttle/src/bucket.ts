/**
 * A token bucket with continuous refill: `perMinute / 60_000` units flow in every millisecond, up to
 * `burst` units. Admission takes a job's cost out all at once.
 *
 * A job larger than the burst is still admissible (the provider accepts any single request up to
 * its per-minute limit): it waits until the bucket is full, then drives the level below zero, and
 * later jobs wait until that debt is repaid. Over any window of W ms the bucket therefore admits at
 * most `max(burst, largest single cost) + rate × W`.
 */
export class TokenBucket {
  perMinute: number;
  burst: number;
  ratePerMs: number;
  level: number;
  updatedAt: number;

  constructor(perMinute: number, burst: number, now: number, level = burst) {
    this.perMinute = perMinute;
    this.burst = burst;
    this.ratePerMs = perMinute / 60_000;
    this.level = Math.min(level, burst);
    this.updatedAt = now;
  }

  /** The most one job may cost: anything above can never be admitted. */
  get maxCost(): number {
    return Math.max(this.perMinute, this.burst);
  }

  refill(now: number): void {
    const elapsed = now - this.updatedAt;
    // A clock that stepped backwards must not freeze the refill until it catches up again.
    this.updatedAt = now;
    if (elapsed > 0 && this.level < this.burst) {
      this.level = Math.min(this.burst, this.level + elapsed * this.ratePerMs);
    }
  }

  /** The level the bucket must reach before a job of `amount` is admitted. */
  required(amount: number): number {
    return Math.min(amount, this.burst);
  }

  /** ms until `amount` can be taken (0 when it can be now). Call `refill(now)` first. */
  waitMs(amount: number): number {
    const missing = this.required(amount) - this.level;
    if (missing <= tolerance(amount)) return 0;
    return missing / this.ratePerMs;
  }

  /** Whether `amount` can be taken now. Call `refill(now)` first. */
  fits(amount: number): boolean {
    return this.level + tolerance(amount) >= this.required(amount);
  }

  /**
   * Adds (refund) or removes (charge) units outside admission. A charge may leave a debt; a refund
   * never lifts the level above the burst, or above a level the provider granted beyond it.
   */
  adjust(delta: number): void {
    this.level = Math.min(Math.max(this.burst, this.level), this.level + delta);
  }

  /**
   * Raises the level to `level` (never lowers it), even above the burst: the provider said it would
   * admit that much now. Refill stops while the level is above the burst.
   */
  raiseTo(level: number): void {
    if (level > this.level) this.level = Math.min(level, this.maxCost);
  }

  /** Changes the limit; the level is kept, except that it never exceeds the new burst. */
  reshape(perMinute: number, burst: number): void {
    this.perMinute = perMinute;
    this.burst = burst;
    this.ratePerMs = perMinute / 60_000;
    if (this.level > burst) this.level = burst;
  }
}

/**
 * Floating-point refill can land a hair below the exact amount at the very moment it should fit;
 * without slack the limiter would schedule a wake-up a few nanoseconds later, again and again.
 */
export function tolerance(amount: number): number {
  return 1e-9 * Math.max(1, amount);
}
