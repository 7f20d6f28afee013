import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from "@sluice/llm";
import { isUnreachable, markReachedTransport } from "./attempt-outcome.js";

/**
 * Counters of one run, read by the progress display and the final report. Model attempts are
 * counted where they reach the provider (see `instrumentModel`), so a 429 the limiter retried shows
 * up as a 429 here, and latencies exclude time spent queueing for admission.
 */
export class RunStats {
  readonly startedAt = performance.now();
  /** Files: total to summarize (after skips), finished by outcome, and in flight. */
  filesTotal = 0;
  filesOk = 0;
  filesFailed = 0;
  filesSkipped = 0;
  filesInFlight = 0;
  /** HTTP attempts sent to the model, in flight now, succeeded, and failed by kind. */
  attempts = 0;
  attemptsInFlight = 0;
  succeeded = 0;
  rateLimited = 0;
  overloaded = 0;
  /** 401/403: the key was rejected or lacks access. */
  authFailures = 0;
  /** Nothing listening, or no such host: the request never left. */
  unreachable = 0;
  otherFailures = 0;
  /** Retries scheduled by the nodes (one per failed attempt that gets another). */
  retries = 0;
  inputTokens = 0;
  outputTokens = 0;
  /** Sum of known costs; `costUnknown` counts calls whose model has no price. */
  costUsd = 0;
  costUnknown = 0;
  /**
   * Answers lost after the request went out (a reset after sending, a timeout): the server may have
   * run and billed them, so they are counted at their worst case (input estimate + max tokens).
   */
  lostAnswers = 0;
  lostInputTokens = 0;
  lostOutputTokens = 0;
  lostCostUsd = 0;
  /** Seconds each successful attempt took, for the lower bound (sum and minimum). */
  latencySumMs = 0;
  latencyMinMs = Number.POSITIVE_INFINITY;
  /** Estimated input tokens of the planned work, and of the files finished, for the ETA. */
  plannedWork = 0;
  doneWork = 0;
  /** Input tokens the finished files really took (estimates run high: this calibrates them). */
  doneActual = 0;

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Counts a successful call's usage and cost (null: no price known for the model). */
  addUsage(inputTokens: number, outputTokens: number, costUsd: number | null): void {
    this.inputTokens += inputTokens;
    this.outputTokens += outputTokens;
    if (costUsd === null) this.costUnknown += 1;
    else this.costUsd += costUsd;
  }

  /** Counts an answer lost after sending, at its worst case. */
  addLost(inputTokens: number, outputTokens: number, costUsd: number | null): void {
    this.lostAnswers += 1;
    this.lostInputTokens += inputTokens;
    this.lostOutputTokens += outputTokens;
    if (costUsd !== null) this.lostCostUsd += costUsd;
  }
}

/**
 * Wraps the provider's model so that every HTTP attempt is counted in `stats`: attempts, 429s, 529s,
 * latency. Goes inside the limiter (`withLimiter(instrumentModel(model, stats), throttle)`) so that
 * queueing time is not counted as latency.
 */
export function instrumentModel(model: ChatModel, stats: RunStats): ChatModel {
  const started = () => {
    stats.attempts += 1;
    stats.attemptsInFlight += 1;
    return performance.now();
  };
  const succeeded = (since: number) => {
    stats.attemptsInFlight -= 1;
    stats.succeeded += 1;
    const ms = performance.now() - since;
    stats.latencySumMs += ms;
    stats.latencyMinMs = Math.min(stats.latencyMinMs, ms);
  };
  const failed = (error: unknown) => {
    stats.attemptsInFlight -= 1;
    markReachedTransport(error);
    const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
    if (status === 429 || code === "rate_limited") stats.rateLimited += 1;
    else if (status === 529 || code === "overloaded") stats.overloaded += 1;
    else if (status === 401 || status === 403 || code === "authentication" || code === "permission")
      stats.authFailures += 1;
    else if (isUnreachable(error)) stats.unreachable += 1;
    else if (code !== "aborted") stats.otherFailures += 1;
  };
  return {
    specificationVersion: "v1",
    provider: model.provider,
    modelId: model.modelId,
    async generate(request: ChatRequest): Promise<ChatResponse> {
      const since = started();
      try {
        const response = await model.generate(request);
        succeeded(since);
        return response;
      } catch (error) {
        failed(error);
        throw error;
      }
    },
    async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      const since = started();
      let finished = false;
      try {
        for await (const event of model.stream(request)) {
          if (event.type === "done") {
            finished = true;
            succeeded(since);
          }
          yield event;
        }
      } catch (error) {
        if (!finished) {
          finished = true;
          failed(error);
        }
        throw error;
      } finally {
        if (!finished) failed({ code: "aborted" });
      }
    },
  };
}
