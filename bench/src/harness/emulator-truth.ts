import type { EmulatorStats } from "@sluice/llm-emulator";

/** What the emulator counted over a run: the ground truth every benchmark reports against. */
export interface EmulatorTruth {
  readonly requests: number;
  readonly admitted: number;
  readonly rateLimited: number;
  readonly overloaded: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly maxConcurrent: number;
}

/** The counters of `stats` a benchmark keeps (the emulator's stats carry more). */
export function emulatorTruth(stats: EmulatorStats): EmulatorTruth {
  return {
    requests: stats.requests,
    admitted: stats.admitted,
    rateLimited: stats.rateLimited,
    overloaded: stats.overloaded,
    inputTokens: stats.inputTokens,
    outputTokens: stats.outputTokens,
    maxConcurrent: stats.maxConcurrent,
  };
}
