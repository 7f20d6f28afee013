import { type ChatRequest, emptyUsage, estimateTextTokens, TokenEstimator, type Usage } from "@sluice/llm";

/**
 * Usage for answers whose server reported none: a stream cut after its last text but before the
 * usage chunk, or a server that ignores `stream_options.include_usage`. Input comes from
 * @sluice/llm's `TokenEstimator`, calibrated by every usage this model did receive; output from
 * `estimateTextTokens` of the text, at most `maxTokens`. Both lean high, so a limiter reconciling
 * with them errs on the safe side.
 */
export class UsageEstimates {
  readonly #estimator = new TokenEstimator();

  /** Learns from a usage the server did report. */
  observe(request: ChatRequest, usage: Usage): void {
    this.#estimator.observe(request, usage);
  }

  /** The estimated usage of `request` answered with `text`. */
  estimate(request: ChatRequest, text: string): Usage {
    return {
      ...emptyUsage(),
      inputTokens: this.#estimator.estimate(request),
      outputTokens: Math.min(request.maxTokens, estimateTextTokens(text)),
    };
  }

  /**
   * What OpenAI charges a call against its tokens-per-minute bucket up front: max(max_tokens,
   * input estimate).
   */
  tokensCharged(request: ChatRequest): number {
    return Math.max(request.maxTokens, this.#estimator.estimate(request));
  }
}
