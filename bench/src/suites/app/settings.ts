import type { MinuteLimits } from "../../workloads.js";

/** The model the CLI is asked for, and the fake key it runs with (the emulator checks neither). */
export const MODEL = "claude-haiku-4-5";
export const FAKE_KEY = "sk-ant-bench-not-a-real-key";

/** The app benchmark's corpus, emulator and CLI settings. */
export interface AppSettings {
  /** The corpus of one run. */
  readonly documents: number;
  /**
   * Every corpus size the benchmark runs, smallest first: each corpus is the one before plus more
   * documents from the same seed, so peak RSS can be compared across sizes (it should stay flat).
   */
  readonly corpora: readonly number[];
  readonly seed: number;
  readonly timeScale: number;
  readonly limits: MinuteLimits;
  readonly latency: {
    readonly firstTokenMs: number;
    readonly perOutputTokenMs: number;
    readonly jitter: number;
  };
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/** Smoke: a small corpus that finishes in seconds; full: 1,000 and 4,000 documents at realistic limits. */
export function settingsFor(smoke: boolean): AppSettings {
  return smoke
    ? {
        documents: 30,
        corpora: [30],
        seed: 21,
        timeScale: 60,
        limits: { requestsPerMinute: 60, inputTokensPerMinute: 30_000, outputTokensPerMinute: 10_000 },
        latency: { firstTokenMs: 500, perOutputTokenMs: 10, jitter: 0.2 },
        concurrency: 8,
        timeoutMs: 60_000,
      }
    : {
        documents: 1_000,
        corpora: [1_000, 4_000],
        seed: 21,
        timeScale: 15,
        limits: { requestsPerMinute: 400, inputTokensPerMinute: 300_000, outputTokensPerMinute: 120_000 },
        latency: { firstTokenMs: 500, perOutputTokenMs: 10, jitter: 0.2 },
        concurrency: 32,
        timeoutMs: 240_000,
      };
}
