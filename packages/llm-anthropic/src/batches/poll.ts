import { AbortedError, isLlmError, type LlmError } from "@sluice/llm";

/** Waits `ms`, or rejects with `AbortedError` as soon as `signal` fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError({ cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError({ cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** How often to ask whether a batch has ended. */
export interface PollSchedule {
  /** First wait, in ms. Default 5,000. */
  readonly initialMs: number;
  /** Longest wait, in ms. Default 60,000. */
  readonly maxMs: number;
  /** Each wait is the previous one times this. Default 1.5. */
  readonly multiplier: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = { initialMs: 5_000, maxMs: 60_000, multiplier: 1.5 };

/**
 * The waits between polls: `initialMs`, growing by `multiplier` up to `maxMs`. Most batches end
 * within the hour, so polling backs off fast; Anthropic's expiry after 24 h bounds the total.
 */
export class PollBackoff {
  readonly #schedule: PollSchedule;
  #next: number;

  constructor(schedule: PollSchedule) {
    this.#schedule = schedule;
    this.#next = schedule.initialMs;
  }

  /** The next wait, in ms. */
  next(): number {
    const wait = this.#next;
    this.#next = Math.min(this.#schedule.maxMs, Math.max(1, wait * this.#schedule.multiplier));
    return Math.min(wait, this.#schedule.maxMs);
  }
}

/**
 * Counts consecutive transient failures while polling: a flaky network should not lose a
 * 24-hour batch, but a dead key should fail fast.
 */
export class TransientFailures {
  #count = 0;

  constructor(readonly limit: number) {}

  /** Rethrows `error` unless it is retryable and the limit is not reached yet. */
  absorb(error: unknown): void {
    if (!isLlmError(error) || !(error as LlmError).retryable) throw error;
    this.#count += 1;
    if (this.#count > this.limit) throw error;
  }

  reset(): void {
    this.#count = 0;
  }
}
