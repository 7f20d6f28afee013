/**
 * The fastest a rate-limited batch can possibly finish (see the project note "limits-and-bounds"):
 *
 *     makespan >= max( sum(L_i) / C,
 *                      n     / r_R + L_min,
 *                      W_in  / r_I + L_min,
 *                      W_out / r_O + L_min )
 *
 * with n requests of latency L_i, concurrency C, and the per-second refill rates of the request,
 * input-token and output-token buckets. Bucket capacity is taken as 0 (the safe planning number:
 * providers may enforce a per-minute limit per second).
 */

export interface RateLimits {
  readonly concurrency: number;
  readonly requestsPerMinute?: number | undefined;
  readonly inputTokensPerMinute?: number | undefined;
  readonly outputTokensPerMinute?: number | undefined;
  /** Real seconds in one of the provider's minutes: 60, or 60 / k under the emulator's time scale k. */
  readonly minuteSeconds?: number;
}

export interface Workload {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Sum of the calls' latencies. */
  readonly latencySumMs: number;
  /** The shortest call. */
  readonly latencyMinMs: number;
}

export type BoundTerm = "concurrency" | "requests/min" | "input tokens/min" | "output tokens/min";

export interface Bound {
  readonly ms: number;
  /** The term that sets the bound: the resource that limits this workload. */
  readonly limitedBy: BoundTerm;
  readonly terms: Readonly<Partial<Record<BoundTerm, number>>>;
}

/**
 * @example
 * lowerBound({ calls: 2000, inputTokens: 4.07e6, outputTokens: 1.352e6, latencySumMs: 2000 * 10_640, latencyMinMs: 500 },
 *            { concurrency: 64, requestsPerMinute: 1000, inputTokensPerMinute: 450_000, outputTokensPerMinute: 90_000 });
 * // ≈ 901 s, limitedBy "output tokens/min"
 */
export function lowerBound(work: Workload, limits: RateLimits): Bound {
  const minute = limits.minuteSeconds ?? 60;
  const latencyMin = work.calls > 0 && Number.isFinite(work.latencyMinMs) ? work.latencyMinMs : 0;
  const terms: Partial<Record<BoundTerm, number>> = {
    concurrency: work.latencySumMs / Math.max(1, limits.concurrency),
  };
  const rateTerm = (amount: number, perMinute: number | undefined) =>
    perMinute === undefined || perMinute <= 0
      ? undefined
      : (amount / (perMinute / minute)) * 1000 + latencyMin;
  const requests = rateTerm(work.calls, limits.requestsPerMinute);
  const input = rateTerm(work.inputTokens, limits.inputTokensPerMinute);
  const output = rateTerm(work.outputTokens, limits.outputTokensPerMinute);
  if (requests !== undefined) terms["requests/min"] = requests;
  if (input !== undefined) terms["input tokens/min"] = input;
  if (output !== undefined) terms["output tokens/min"] = output;
  let limitedBy: BoundTerm = "concurrency";
  let ms = terms.concurrency ?? 0;
  for (const [term, value] of Object.entries(terms) as [BoundTerm, number][]) {
    if (value > ms) {
      ms = value;
      limitedBy = term;
    }
  }
  return { ms, limitedBy, terms };
}

/**
 * The latency the dry run assumes for a call producing `outputTokens`, when none was measured:
 * half a second to the first token, then 15 ms per token (the figures of the project's worked example).
 */
export function assumedLatencyMs(outputTokens: number): number {
  return 500 + 15 * outputTokens;
}
