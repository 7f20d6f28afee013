/**
 * The concurrency cap, adapted to the provider's capacity. It moves only when OverloadDetector says
 * the refusals are our load, not the provider's weather: then the cap is cut multiplicatively (as
 * TCP's AIMD cuts its window) to half the calls actually in flight. It regrows by one per success
 * once the refusals have stopped (slow start: it doubles per round of calls), and by `1 / cap` per
 * success while they continue (one slot per cap's worth), never above the configured `concurrency`.
 *
 * One overload usually fails many in-flight calls at once; only the first reduces the cap. Calls
 * admitted before the last reduction (an older `epoch`) are ignored, as are reports that are not tied
 * to a job and arrive within `holdMs` of the last reduction.
 */
export class AdaptiveConcurrency {
  /** Raised each time the cap is reduced. */
  epoch = 0;
  private value: number;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** The configured cap, or Infinity. */
    readonly ceiling: number,
    readonly adaptive: boolean,
    readonly minimum = 1,
    readonly decreaseFactor = 0.5,
  ) {
    this.value = ceiling;
  }

  /** The cap now: how many jobs may run at once. */
  get limit(): number {
    const value = this.value;
    if (value === Number.POSITIVE_INFINITY) return value;
    return Math.max(this.minimum, Math.floor(value));
  }

  /**
   * Reacts to a capacity error. `admittedEpoch` is the failing job's epoch at admission (undefined
   * for feedback that is not tied to a job). Returns true when the cap changed.
   */
  decrease(inFlight: number, now: number, admittedEpoch: number | undefined, holdMs: number): boolean {
    if (!this.adaptive) return false;
    if (admittedEpoch !== undefined ? admittedEpoch < this.epoch : now - this.lastDecreaseAt < holdMs)
      return false;
    const before = this.limit;
    const base = Math.min(before, Math.max(1, inFlight));
    this.value = Math.max(this.minimum, Math.floor(base * this.decreaseFactor));
    this.epoch++;
    this.lastDecreaseAt = now;
    return this.limit !== before;
  }

  /**
   * Growth after a success while work was waiting: one slot when `quickly` (the refusals have
   * stopped), else one slot per cap's worth of successes. Returns true when the cap changed.
   */
  increase(quickly = false): boolean {
    if (!this.adaptive || this.value >= this.ceiling) return false;
    const before = this.limit;
    const step = quickly ? 1 : 1 / Math.max(1, this.value);
    this.value = Math.min(this.ceiling, this.value + step);
    return this.limit !== before;
  }
}
