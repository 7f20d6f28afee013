import type { LimiterUsage, LlmLimiter, ProviderFeedback } from "../limiter.js";

/** A limiter that admits every call at once, in one attempt, and records what `withLimiter` tells it. */
export interface RecordingLimiter {
  readonly limiter: LlmLimiter;
  /** Every `reportUsage` call, oldest first. */
  readonly reported: LimiterUsage[];
  /** Every `observe` call, oldest first. */
  readonly observed: ProviderFeedback[];
}

/**
 * For adapter tests of what a call (or a failed one) reports to a limiter through `withLimiter`.
 *
 * @example
 * const { limiter, reported } = recordingLimiter();
 * await withLimiter(model, limiter).generate(request).catch(() => {});
 * expect(reported).toEqual([{ requests: 0, inputTokens: 0, outputTokens: 0 }]); // never sent
 */
export function recordingLimiter(): RecordingLimiter {
  const reported: LimiterUsage[] = [];
  const observed: ProviderFeedback[] = [];
  const limiter: LlmLimiter = {
    run: (task) =>
      task({
        signal: new AbortController().signal,
        attempt: 1,
        reportUsage: (usage) => reported.push(usage),
      }),
    observe: (feedback) => observed.push(feedback),
  };
  return { limiter, reported, observed };
}
