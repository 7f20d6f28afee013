import type { RateLimitHeaders, RateLimitWindow } from "./headers.js";
import { defaultBurst } from "./options.js";
import type { ThrottleState } from "./state.js";

/**
 * Keeps the buckets in step with the provider's rate-limit headers: a `remaining` below our level
 * lowers it (other processes share the quota), a `limit` creates a bucket nobody configured
 * (`learnLimits`) or lowers a configured one.
 */
export class HeaderSync {
  /** By slot: whether the bucket's shape came from headers. */
  readonly learned: boolean[];

  constructor(private readonly state: ThrottleState) {
    this.learned = state.options.shapes.map(() => false);
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
    // Other processes draw on the same quota: when the provider saw less left than we did, it is right.
    if (window.remaining !== undefined) store.lowerTo(slot, window.remaining, now);
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
