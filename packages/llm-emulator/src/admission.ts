import type { Charge, RateLimitBuckets, Verdict } from "./buckets.js";
import type { Runtime } from "./runtime.js";

export type Rejection =
  | { readonly reason: "rate_limited"; readonly verdict: Extract<Verdict, { admitted: false }> }
  | { readonly reason: "overloaded" };

/**
 * An admitted request's hold on the buckets and on a concurrency slot. `settle` is called once the
 * real output is known (or the client went away): it refunds the unused output reservation, frees
 * the slot and counts the tokens. Later calls do nothing, so handlers can settle early and in finally.
 */
export class Reservation {
  readonly #runtime: Runtime;
  readonly #buckets: RateLimitBuckets;
  readonly #reservedOutput: number;
  #settled = false;

  constructor(runtime: Runtime, buckets: RateLimitBuckets, reservedOutput: number) {
    this.#runtime = runtime;
    this.#buckets = buckets;
    this.#reservedOutput = reservedOutput;
  }

  get settled(): boolean {
    return this.#settled;
  }

  settle(outputTokens: number): void {
    if (this.#settled) return;
    this.#settled = true;
    const unused = this.#reservedOutput - outputTokens;
    if (unused > 0) this.#buckets.refund({ outputTokens: unused });
    const stats = this.#runtime.stats.current;
    stats.generating--;
    stats.outputTokens += outputTokens;
  }
}

/**
 * Admission control: every bucket must hold the charge (else 429), then a concurrency slot must be
 * free (else overload); only then is anything taken. `charge.outputTokens` is the reservation that
 * `settle` later corrects to the real output.
 */
export function admit(
  runtime: Runtime,
  buckets: RateLimitBuckets,
  charge: Charge,
  inputTokens: number,
): Reservation | Rejection {
  const verdict = buckets.check(charge);
  if (!verdict.admitted) return { reason: "rate_limited", verdict };
  const stats = runtime.stats.current;
  const cap = runtime.options().limits.maxConcurrency;
  if (cap !== undefined && stats.generating >= cap) return { reason: "overloaded" };
  buckets.take(charge);
  stats.generating++;
  stats.admitted++;
  stats.inputTokens += inputTokens;
  return new Reservation(runtime, buckets, charge.outputTokens ?? 0);
}
