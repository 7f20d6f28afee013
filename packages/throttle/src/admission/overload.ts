/**
 * Tells the provider's weather from our own load, after Google SRE's client-side adaptive
 * throttling: over a decaying window, `requests` counts attempts the provider answered and
 * `accepts` those it did not refuse for lack of capacity. The refusal pressure
 *
 *     max(0, (requests − K × accepts) / (requests + 1))
 *
 * stays at 0 while at least 1/K of the calls get through (K = 2: a steady 10%, or even 40%, of
 * 529s is weather: retried, the cap untouched) and rises once most calls are refused, which is
 * what a provider overloaded by our concurrency does. Only then does the concurrency cap shrink;
 * once the pressure is back to 0 the cap regrows one slot per success (see AdaptiveConcurrency).
 */
export class OverloadDetector {
  private requests = 0;
  private accepts = 0;
  private updatedAt: number;

  constructor(
    now: number,
    /** SRE's K: how many requests per accepted one are tolerated before the cap reacts. */
    readonly k = 2,
    /** The time constant of the window, in ms. */
    readonly windowMs = 30_000,
  ) {
    this.updatedAt = now;
  }

  /** An attempt the provider did not refuse for capacity (it succeeded, or failed otherwise). */
  noteAccepted(now: number): void {
    this.decay(now);
    this.requests++;
    this.accepts++;
  }

  /** A capacity refusal (529, 503, mid-stream overloaded). Returns the pressure after it. */
  noteRefused(now: number): number {
    this.decay(now);
    this.requests++;
    return this.pressure(now);
  }

  /** The refusal pressure now, in [0, 1): 0 means the refusals are weather, not our load. */
  pressure(now: number): number {
    this.decay(now);
    return Math.max(0, (this.requests - this.k * this.accepts) / (this.requests + 1));
  }

  private decay(now: number): void {
    const elapsed = now - this.updatedAt;
    this.updatedAt = now;
    if (elapsed <= 0) return;
    const factor = Math.exp(-elapsed / this.windowMs);
    this.requests *= factor;
    this.accepts *= factor;
  }
}
