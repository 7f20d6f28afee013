import { countTokens, summarize } from "@sluice/llm-emulator";
import type { MakespanScale, MinuteLimits } from "./workloads.js";

/**
 * The lower bound on the makespan of a rate-limited batch (../shared/notes/limits-and-bounds.md):
 *
 *     makespan >= max( sum(L_i) / C,
 *                      (n     - B_R)+ / r_R + L_min,
 *                      (W_in  - B_I)+ / r_I + L_min,
 *                      (W_out - B_O)+ / r_O + L_min )
 *
 * n requests of latency L_i, client concurrency C, W_in / W_out the input and output tokens the
 * server counted, r the refill rate of each bucket and B its capacity. The emulator's buckets hold one
 * minute's worth and start full, so B defaults to the per-minute limit: what a client could take at
 * once at the start. With B = 0 (the safe number to plan with) the bound would be about a minute longer.
 */
export interface BoundInput {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Sum of the requests' latencies, in real ms. */
  readonly latencySumMs: number;
  /** The shortest latency, in real ms. */
  readonly latencyMinMs: number;
  readonly concurrency: number;
  /** Limits per provider minute; a missing one does not bind. */
  readonly limits: Partial<MinuteLimits>;
  /** Real ms in one provider minute (60,000 / time scale). */
  readonly minuteMs: number;
  /** Bucket capacities; default: one minute's worth of each limit. */
  readonly burst?: Partial<MinuteLimits>;
}

export type BoundTerm = "concurrency" | "requests" | "input tokens" | "output tokens";

export interface Bound {
  readonly ms: number;
  readonly limitedBy: BoundTerm;
  readonly terms: Readonly<Record<BoundTerm, number>>;
}

/**
 * @example
 * lowerBound({ requests: 360, inputTokens: 1.08e6, outputTokens: 92_000, latencySumMs: 360 * 30,
 *   latencyMinMs: 15, concurrency: 16, minuteMs: 500,
 *   limits: { requestsPerMinute: 200, inputTokensPerMinute: 180_000, outputTokensPerMinute: 40_000 } });
 * // → { ms: 2515, limitedBy: "input tokens", … }: five minutes of input refill after the first full bucket
 */
export function lowerBound(input: BoundInput): Bound {
  const rateTerm = (amount: number, perMinute: number | undefined, capacity: number | undefined) => {
    if (perMinute === undefined || perMinute <= 0) return 0;
    const beyondBurst = Math.max(0, amount - (capacity ?? perMinute));
    return beyondBurst > 0
      ? (beyondBurst / perMinute) * input.minuteMs + input.latencyMinMs
      : input.latencyMinMs;
  };
  const terms: Record<BoundTerm, number> = {
    concurrency: input.latencySumMs / Math.max(1, input.concurrency),
    requests: rateTerm(input.requests, input.limits.requestsPerMinute, input.burst?.requestsPerMinute),
    "input tokens": rateTerm(
      input.inputTokens,
      input.limits.inputTokensPerMinute,
      input.burst?.inputTokensPerMinute,
    ),
    "output tokens": rateTerm(
      input.outputTokens,
      input.limits.outputTokensPerMinute,
      input.burst?.outputTokensPerMinute,
    ),
  };
  let limitedBy: BoundTerm = "concurrency";
  for (const term of Object.keys(terms) as BoundTerm[]) if (terms[term] > terms[limitedBy]) limitedBy = term;
  return { ms: terms[limitedBy], limitedBy, terms };
}

/** What the emulator will count for one request: input tokens, and the output its summary will have. */
export interface PredictedRequest {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * Predicts the emulator's token counts for `prompts` (it is deterministic for a seed): input is
 * ceil(characters / 4) of the message, output the extractive summary cut at `maxTokens`.
 */
export function predictRequests(
  prompts: readonly string[],
  maxTokens: number,
  seed: number,
  summaryRatio = 1 / 3,
): PredictedRequest[] {
  return prompts.map((prompt) => {
    const summary = summarize(prompt, { seed, ratio: summaryRatio });
    return {
      inputTokens: Math.max(1, countTokens(prompt)),
      outputTokens: summary.length > maxTokens * 4 ? maxTokens : countTokens(summary),
    };
  });
}

/** The latency terms of the bound under the emulator's model: (first token + per token × output) ÷ k. */
export function latencyTerms(
  outputTokens: readonly number[],
  scale: Pick<MakespanScale, "latency" | "timeScale">,
): { latencySumMs: number; latencyMinMs: number } {
  const { firstTokenMs, perOutputTokenMs, jitter } = scale.latency;
  const of = (tokens: number) => (firstTokenMs + perOutputTokenMs * tokens) / scale.timeScale;
  const latencySumMs = outputTokens.reduce((sum, tokens) => sum + of(tokens), 0);
  // The fastest possible request: the shortest output with the most favourable jitter.
  const latencyMinMs = outputTokens.length === 0 ? 0 : of(Math.min(...outputTokens)) * (1 - jitter);
  return { latencySumMs, latencyMinMs };
}
