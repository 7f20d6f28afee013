import type { RateLimitHeaders, RateLimitWindow } from "./headers.js";
import { defaultBurst } from "./options.js";
import type { ThrottleState } from "./state.js";

/** Anthropic rounds token `remaining` values to the nearest thousand: one may be up to 500 high. */
const ROUNDING_SLACK = 500;
/** Admissions this recent may not be counted in a `remaining` yet (in flight to the provider). */
const MIN_UNCOUNTED_MS = 100;

/**
 * Keeps the buckets in step with the provider's rate-limit headers: a `remaining` below our level
 * lowers it (other processes share the quota), a `remaining` above it raises it (`spendRemaining`:
 * the provider allows a larger burst than the safe one we assumed), a `limit` creates a bucket nobody
 * configured (`learnLimits`) or lowers a configured one.
 */
export class HeaderSync {
  /** By slot: whether the bucket's shape came from headers. */
  readonly learned: boolean[];
  // Recent admissions, oldest first (a ring that only grows while many start within the window).
  private admittedAt: number[] = [];
  private admittedAmounts: (readonly number[])[] = [];
  private oldest = 0;

  constructor(private readonly state: ThrottleState) {
    this.learned = state.options.shapes.map(() => false);
  }

  /** Remembers an admission: until the provider has surely counted it, a `remaining` may omit it. */
  noteAdmitted(amounts: readonly number[], now: number): void {
    if (!this.state.options.spendRemaining) return;
    this.prune(now);
    this.admittedAt.push(now);
    this.admittedAmounts.push(amounts);
  }

  apply(headers: RateLimitHeaders, now: number): void {
    this.window(0, headers.requests, now);
    this.window(1, headers.inputTokens, now);
    this.window(2, headers.outputTokens, now);
    this.window(3, headers.tokens, now);
  }

  private window(slot: number, window: RateLimitWindow | undefined, now: number): void {
    if (window === undefined) return;
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
    // Other processes draw on the same quota: when the provider saw less left than we did, it is right.
    store.lowerTo(slot, remaining, now);
    if (options.spendRemaining && store.raiseTo !== undefined) {
      // It may also allow more than our burst. Spend that, less what it may not have counted yet.
      const rounded = slot !== 0 && remaining % 1_000 === 0 ? ROUNDING_SLACK : 0;
      const headroom = remaining - rounded - this.uncounted(slot, now);
      if (headroom > 0) store.raiseTo(slot, headroom, now);
    }
  }

  /** What we admitted recently in `slot`: the provider may not have counted it in its `remaining`. */
  private uncounted(slot: number, now: number): number {
    this.prune(now);
    let total = 0;
    for (let index = this.oldest; index < this.admittedAt.length; index++) {
      total += this.admittedAmounts[index]![slot] ?? 0;
    }
    return total;
  }

  /** Forgets admissions older than the window: a quarter of a typical call, at least 100 ms. */
  private prune(now: number): void {
    const horizon = now - Math.max(MIN_UNCOUNTED_MS, this.state.meanTaskMs / 4);
    const at = this.admittedAt;
    while (this.oldest < at.length && at[this.oldest]! < horizon) this.oldest++;
    if (this.oldest > 1_024 && this.oldest * 2 > at.length) {
      this.admittedAt = at.slice(this.oldest);
      this.admittedAmounts = this.admittedAmounts.slice(this.oldest);
      this.oldest = 0;
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
