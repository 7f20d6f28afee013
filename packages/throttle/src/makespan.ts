/** What a batch of requests asked of the provider: the counts the provider's buckets charge, and the time the calls took. */
export interface MakespanWorkload {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Sum of the requests' latencies, in ms. */
  readonly latencySumMs: number;
  /** The shortest latency, in ms: even the last request takes at least this long. */
  readonly latencyMinMs: number;
}

/** Per-minute amounts of the three standard dimensions; a missing one does not limit. */
export interface MinuteAmounts {
  readonly requestsPerMinute?: number | undefined;
  readonly inputTokensPerMinute?: number | undefined;
  readonly outputTokensPerMinute?: number | undefined;
}

export interface MakespanLimits extends MinuteAmounts {
  /** Requests in flight at once (Infinity or a large number: no cap). */
  readonly concurrency: number;
  /** Real ms in one of the provider's minutes. Default 60,000 (an emulator's time scale k: 60,000 / k). */
  readonly minuteMs?: number | undefined;
  /**
   * What each bucket holds when the batch starts, taken at once without waiting for refills. Default:
   * one minute's worth of each limit, the most a per-minute limit allows (a provider's token bucket
   * refills up to its per-minute limit). Pass 0s for the steady pace alone.
   */
  readonly burst?: MinuteAmounts | undefined;
}

export type MakespanTerm = "concurrency" | "requests" | "input tokens" | "output tokens";

export interface MakespanBound {
  readonly ms: number;
  /** The term that sets the bound: the resource that limits this workload. */
  readonly limitedBy: MakespanTerm;
  readonly terms: Readonly<Record<MakespanTerm, number>>;
}

/**
 * The fastest a batch of requests can possibly finish under these limits:
 *
 *     makespan >= max( sum(L_i) / C,
 *                      (n     - B_R)+ / r_R + L_min,
 *                      (W_in  - B_I)+ / r_I + L_min,
 *                      (W_out - B_O)+ / r_O + L_min )
 *
 * with concurrency C, each bucket's refill rate r and capacity B. No client, however clever, finishes
 * sooner; a run's wall time over this bound says how much of the provider's capacity it used.
 *
 * @example
 * makespanLowerBound(
 *   { requests: 2_000, inputTokens: 4.07e6, outputTokens: 1.352e6, latencySumMs: 2_000 * 10_640, latencyMinMs: 3_500 },
 *   { concurrency: 64, requestsPerMinute: 1_000, inputTokensPerMinute: 450_000, outputTokensPerMinute: 90_000 },
 * ); // ≈ 845 s, limitedBy "output tokens"
 */
export function makespanLowerBound(work: MakespanWorkload, limits: MakespanLimits): MakespanBound {
  const minuteMs = limits.minuteMs ?? 60_000;
  const rateTerm = (amount: number, perMinute: number | undefined, capacity: number | undefined) => {
    if (perMinute === undefined || !(perMinute > 0)) return 0;
    const beyondBurst = Math.max(0, amount - (capacity ?? perMinute));
    return (beyondBurst / perMinute) * minuteMs + work.latencyMinMs;
  };
  const terms: Record<MakespanTerm, number> = {
    concurrency: work.latencySumMs / Math.max(1, limits.concurrency),
    requests: rateTerm(work.requests, limits.requestsPerMinute, limits.burst?.requestsPerMinute),
    "input tokens": rateTerm(
      work.inputTokens,
      limits.inputTokensPerMinute,
      limits.burst?.inputTokensPerMinute,
    ),
    "output tokens": rateTerm(
      work.outputTokens,
      limits.outputTokensPerMinute,
      limits.burst?.outputTokensPerMinute,
    ),
  };
  let limitedBy: MakespanTerm = "concurrency";
  for (const term of Object.keys(terms) as MakespanTerm[])
    if (terms[term] > terms[limitedBy]) limitedBy = term;
  return { ms: terms[limitedBy], limitedBy, terms };
}
