import type { ChatModel, Usage } from "@sluice/llm";
import type { Budget } from "../budget.js";
import type { Journal } from "../journal.js";
import type { RunStats } from "../stats.js";
import type { RunControl } from "./run-control.js";
import type { Outcome } from "./shared.js";

/** What the nodes need from the run: built once by run.ts and shared by every node clone. */
export interface SummarizerServices {
  /** The model every call goes to, already behind the run's limiter (or the batch queue). */
  readonly model: ChatModel;
  readonly provider: string;
  readonly maxTokens: number;
  readonly chunkTokens: number;
  readonly maxFileBytes: number;
  /** Per HTTP attempt. */
  readonly requestTimeoutMs: number;
  readonly outDir: string;
  readonly journal: Journal;
  readonly budget: Budget;
  readonly stats: RunStats;
  readonly control: RunControl;
  /** Message Batches pricing (half price). */
  readonly batch: boolean;
  /** Dollar cost of a call's usage on the model that answered; null when its price is unknown. */
  price(usage: Usage, model: string): number | null;
  /**
   * Summaries written and journaled, by job index. Filled right after the journal record, so an
   * interrupt that lands between the write and the node's `post` still reports them.
   */
  readonly written: Map<number, Outcome>;
  /** Summary writes under way, so an interrupted run can let them finish before writing index.json. */
  readonly writesInFlight: Set<Promise<unknown>>;
}

/** Retry settings of the nodes that call the model. */
export interface CallRetryOptions {
  /** Attempts in all per call, counting the first. */
  readonly maxRetries: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Whether a failed call is worth another attempt: not when the error says it is not retryable
 * (@sluice/llm's authentication, invalid request, quota… errors), nor for the throttle's refusals
 * (a call larger than a limit, a halted or closed throttle), which a retry would meet again.
 */
export function isWorthRetrying(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return true;
  const { retryable, code } = error as { retryable?: unknown; code?: unknown };
  if (retryable === false) return false;
  if (typeof code !== "string") return true;
  return !(code.startsWith("THROTTLE_") || code.startsWith("SUMMARIZER_") || THROTTLE_REFUSALS.has(code));
}

/** The throttle's refusals in the lower_snake_case style it is moving to (the old ones start THROTTLE_). */
const THROTTLE_REFUSALS = new Set([
  "invalid_argument",
  "invalid_cost",
  "cost_exceeds_limit",
  "throttle_closed",
  "deadline_unreachable",
  "deadline_exceeded",
  "quota_exceeded",
]);
