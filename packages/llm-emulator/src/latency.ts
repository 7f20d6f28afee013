import type { ResolvedOptions } from "./options.js";
import { createRandom, hashString, type Random } from "./prng.js";

/** When to emit what, for one request, in real milliseconds from the start of generation. */
export interface LatencyPlan {
  /** Real ms before the first output token. */
  readonly firstTokenMs: number;
  /** Real ms per further output token. */
  readonly perTokenMs: number;
}

/**
 * Time to first token plus time per output token, scaled by one jitter factor per request drawn from
 * the seeded generator, and divided by `timeScale` (provider time → real time).
 */
export class LatencyModel {
  readonly #options: () => ResolvedOptions;
  #random: Random;

  constructor(options: () => ResolvedOptions) {
    this.#options = options;
    this.#random = createRandom(hashString("latency", options().seed));
  }

  plan(): LatencyPlan {
    const { latency, timeScale } = this.#options();
    const factor = latency.jitter === 0 ? 1 : 1 + latency.jitter * (2 * this.#random() - 1);
    return {
      firstTokenMs: (latency.firstTokenMs * factor) / timeScale,
      perTokenMs: (latency.perOutputTokenMs * factor) / timeScale,
    };
  }

  /** Real ms of a whole non-streaming response with `outputTokens` tokens. */
  static total(plan: LatencyPlan, outputTokens: number): number {
    return plan.firstTokenMs + plan.perTokenMs * outputTokens;
  }

  reseed(seed: number): void {
    this.#random = createRandom(hashString("latency", seed));
  }
}
