import { type MakespanTerm, makespanLowerBound } from "@sluice/throttle";

/**
 * The fastest a run's calls could possibly finish at the limits in force: `@sluice/throttle`'s
 * `makespanLowerBound` (the formula of the project note "limits-and-bounds", one home for it and
 * the bench), with each bucket full at the start, a minute's worth — the most a per-minute limit
 * lets through at once, and what Anthropic's token buckets and the emulator's allow after a quiet
 * spell. A smaller burst would make a short run look faster than possible ("41% of the bound");
 * with this one no run can beat the bound, whatever the server's bucket state.
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
  /** The concurrency term and one per limit in force. */
  readonly terms: Readonly<Partial<Record<BoundTerm, number>>>;
}

/** The report's names for the bound's terms (they read as "set by input tokens/min"). */
const TERM_NAMES: Record<MakespanTerm, BoundTerm> = {
  concurrency: "concurrency",
  requests: "requests/min",
  "input tokens": "input tokens/min",
  "output tokens": "output tokens/min",
};

/**
 * @example
 * lowerBound({ calls: 2000, inputTokens: 4.07e6, outputTokens: 1.352e6, latencySumMs: 2000 * 10_640, latencyMinMs: 500 },
 *            { concurrency: 64, requestsPerMinute: 1000, inputTokensPerMinute: 450_000, outputTokensPerMinute: 90_000 });
 * // ≈ 842 s, limitedBy "output tokens/min"
 */
export function lowerBound(work: Workload, limits: RateLimits): Bound {
  const bound = makespanLowerBound(
    {
      requests: work.calls,
      inputTokens: work.inputTokens,
      outputTokens: work.outputTokens,
      latencySumMs: work.latencySumMs,
      latencyMinMs: work.calls > 0 && Number.isFinite(work.latencyMinMs) ? work.latencyMinMs : 0,
    },
    { ...limits, minuteMs: (limits.minuteSeconds ?? 60) * 1000 },
  );
  const inForce: Record<MakespanTerm, boolean> = {
    concurrency: true,
    requests: limits.requestsPerMinute !== undefined,
    "input tokens": limits.inputTokensPerMinute !== undefined,
    "output tokens": limits.outputTokensPerMinute !== undefined,
  };
  const terms: Partial<Record<BoundTerm, number>> = {};
  for (const [term, ms] of Object.entries(bound.terms) as [MakespanTerm, number][])
    if (inForce[term]) terms[TERM_NAMES[term]] = ms;
  return { ms: bound.ms, limitedBy: TERM_NAMES[bound.limitedBy], terms };
}

/**
 * The latency the dry run assumes for a call producing `outputTokens`, when none was measured:
 * half a second to the first token, then 15 ms per token (the figures of the project's worked example).
 */
export function assumedLatencyMs(outputTokens: number): number {
  return 500 + 15 * outputTokens;
}
