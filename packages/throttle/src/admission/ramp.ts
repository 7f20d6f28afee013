import { tolerance } from "../bucket.js";

/**
 * The brake applied after an acceleration 429 (`ramp_limit_exceeded`): the provider refused a sharp
 * rise in traffic, so the request rate is capped at half the recent rate and the cap then doubles
 * once per `doublingMs`. After two doublings (twice the rate that was refused) the brake is released.
 * The recent rate is a decaying count of admitted requests over `horizonMs`.
 */
export class RampGovernor {
  active = false;
  private recent = 0;
  private recentAt = 0;
  private startRate = 0;
  private startedAt = 0;
  private level = 0;
  private updatedAt = 0;

  constructor(
    readonly doublingMs = 60_000,
    readonly horizonMs = 10_000,
  ) {}

  /** Counts admitted requests for the recent-rate estimate. */
  noteAdmitted(requests: number, now: number): void {
    if (now !== this.recentAt) {
      this.recent *= Math.exp(-Math.max(0, now - this.recentAt) / this.horizonMs);
      this.recentAt = now;
    }
    this.recent += requests;
  }

  /** Requests per ms admitted recently. */
  recentRate(now: number): number {
    return (this.recent * Math.exp(-Math.max(0, now - this.recentAt) / this.horizonMs)) / this.horizonMs;
  }

  /** Engages (or re-engages) the brake at half the recent rate; returns the cap in requests per minute. */
  engage(now: number): number {
    this.startRate = Math.max(this.recentRate(now) / 2, 1 / 60_000);
    this.startedAt = now;
    this.updatedAt = now;
    this.level = 0;
    this.active = true;
    return this.startRate * 60_000;
  }

  /** Whether the brake is on at `now` (it releases itself once the cap has regrown). */
  isActive(now: number): boolean {
    return this.refill(now);
  }

  /** The capped rate now, in requests per ms. */
  rate(now: number): number {
    return this.startRate * 2 ** (Math.max(0, now - this.startedAt) / this.doublingMs);
  }

  /** ms until `requests` may be admitted under the brake (0 when now, or when it is off). */
  waitMs(requests: number, now: number): number {
    if (!this.refill(now) || requests <= 0) return 0;
    const missing = Math.min(requests, this.burst(now)) - this.level;
    return missing <= tolerance(requests) ? 0 : missing / this.rate(now);
  }

  /** Whether `requests` may be admitted now under the brake, but only if a waiting job needing `reserved` within `withinMs` is not delayed. */
  fitsBeside(requests: number, reserved: number, withinMs: number, now: number): boolean {
    if (!this.refill(now) || requests <= 0) return true;
    const slack = tolerance(requests);
    if (requests > this.level + slack) return false;
    const needed = Math.min(reserved, this.burst(now));
    return requests <= this.level + this.rate(now) * withinMs - needed + slack;
  }

  /** Charges admitted requests to the brake (once `waitMs` or `fitsBeside` allowed them). */
  take(requests: number): void {
    if (this.active) this.level -= requests;
  }

  private burst(now: number): number {
    return Math.max(1, this.rate(now) * 1000);
  }

  /** Brings the level up to `now`; returns whether the brake is still on. */
  private refill(now: number): boolean {
    if (!this.active) return false;
    if (this.rate(now) >= 4 * this.startRate) {
      this.active = false;
      return false;
    }
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      // The rate at the start of the interval: never more generous than the brake's real curve.
      this.level = Math.min(this.burst(now), this.level + elapsed * this.rate(this.updatedAt));
    }
    this.updatedAt = now;
    return true;
  }
}
