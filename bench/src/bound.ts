import { countTokens, summarize } from "@sluice/llm-emulator";
import { type MakespanBound, type MakespanTerm, makespanLowerBound } from "@sluice/throttle";
import type { MakespanScale, MinuteLimits } from "./workloads.js";

/**
 * The lower bound on the makespan of a rate-limited batch (../shared/notes/limits-and-bounds.md),
 * computed by `@sluice/throttle`'s `makespanLowerBound`, the one home of the formula (the summarizer
 * reports against it too). The emulator's buckets hold one minute's worth and start full, so the
 * burst defaults to the per-minute limit: what a client could take at once at the start.
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

export type BoundTerm = MakespanTerm;
export type Bound = MakespanBound;

/**
 * @example
 * lowerBound({ requests: 360, inputTokens: 1.08e6, outputTokens: 92_000, latencySumMs: 360 * 30,
 *   latencyMinMs: 15, concurrency: 16, minuteMs: 500,
 *   limits: { requestsPerMinute: 200, inputTokensPerMinute: 180_000, outputTokensPerMinute: 40_000 } });
 * // → { ms: 2515, limitedBy: "input tokens", … }: five minutes of input refill after the first full bucket
 */
export function lowerBound(input: BoundInput): Bound {
  return makespanLowerBound(input, {
    ...input.limits,
    concurrency: input.concurrency,
    minuteMs: input.minuteMs,
    burst: input.burst,
  });
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
