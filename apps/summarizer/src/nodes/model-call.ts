import type { Settled } from "@sluice/core";
import { type ChatRequest, chat, estimateInputTokens } from "@sluice/llm";
import { attemptOutcome } from "../attempt-outcome.js";
import { NO_TOKENS, type Reservation, type TokenCount } from "../budget.js";
import { BudgetExhaustedError, codeOf, messageOf } from "../errors.js";
import type { SummarizerServices } from "./services.js";
import type { UsageTotal } from "./shared.js";

/** What one successful model call gave: the text and what it cost. */
export interface CallResult {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly model: string;
}

/**
 * One model call, charged against its file's budget reservation and counted in the run's stats.
 * A failed attempt is charged by what it may have cost: nothing when it was never sent or the
 * server refused it, its worst case (input estimate + max tokens) when the answer was lost after
 * the request went out. Errors that doom every call stop the run.
 */
export async function summarizeWith(
  services: SummarizerServices,
  reservation: Reservation,
  request: ChatRequest,
  signal: AbortSignal,
): Promise<CallResult> {
  const worstCase: TokenCount = {
    inputTokens: estimateInputTokens(request),
    outputTokens: request.maxTokens,
  };
  const attempt = reservation.admit(worstCase);
  if (attempt === undefined) throw new BudgetExhaustedError(services.budget.describe());
  try {
    const response = await chat(
      { ...request, signal, timeoutMs: services.requestTimeoutMs },
      { model: services.model },
    );
    const usage = response.usage;
    const inputTokens = usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
    const costUsd = services.price(usage, response.model);
    services.stats.addUsage(inputTokens, usage.outputTokens, costUsd);
    attempt.settle({ inputTokens, outputTokens: usage.outputTokens });
    return {
      text: response.text.trim(),
      inputTokens,
      outputTokens: usage.outputTokens,
      costUsd,
      model: response.model,
    };
  } catch (error) {
    if (attemptOutcome(error) === "unknown") {
      const { inputTokens, outputTokens } = worstCase;
      const costUsd = services.price(
        { inputTokens, outputTokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
        services.model.modelId,
      );
      services.stats.addLost(inputTokens, outputTokens, costUsd);
      attempt.settle(worstCase);
    } else {
      attempt.settle(NO_TOKENS);
    }
    services.control.stopIfFatal(error);
    throw error;
  }
}

/** Adds the successful calls of one step to a file's usage. */
export function addCalls(total: UsageTotal, results: readonly Settled<CallResult>[]): void {
  for (const result of results) {
    if (result.status !== "fulfilled") continue;
    const call = result.value;
    total.calls += 1;
    total.inputTokens += call.inputTokens;
    total.outputTokens += call.outputTokens;
    total.costUsd = total.costUsd === null || call.costUsd === null ? null : total.costUsd + call.costUsd;
    total.model ??= call.model;
  }
}

/** The first failed call of a step, and how many failed. */
export function firstFailure(
  results: readonly Settled<unknown>[],
): { error: unknown; failed: number } | undefined {
  const failures = results.filter((result) => result.status === "rejected");
  const first = failures[0];
  return first === undefined ? undefined : { error: first.reason, failed: failures.length };
}

/** The code a failed file is recorded with. */
export function errorCode(error: unknown): string {
  return codeOf(error) ?? "model_error";
}

/** "HTTP 429 rate_limited: …", for a failed file's reason. */
export function describeCallError(error: unknown): string {
  const code = codeOf(error);
  const status = (error as { status?: unknown } | null)?.status;
  const prefix = typeof status === "number" ? `HTTP ${status} ` : "";
  return `${prefix}${code ? `${code}: ` : ""}${messageOf(error)}`;
}
