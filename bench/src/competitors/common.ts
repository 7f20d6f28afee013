import type Anthropic from "@anthropic-ai/sdk";
import { type DocumentSpec, type MinuteLimits, makeDocuments, promptFor } from "../workloads.js";

/** Everything a makespan child needs; the parent computes it from the workload. */
export interface CompetitorParams {
  /** The emulator, on 127.0.0.1. */
  readonly url: string;
  readonly apiKey: string;
  readonly model: string;
  readonly documents: DocumentSpec;
  readonly maxTokens: number;
  readonly timeScale: number;
  /** Real ms in one provider minute. */
  readonly minuteMs: number;
  readonly concurrency: number;
  /** The limits the client is configured with (per provider minute), or undefined when it knows none. */
  readonly told: MinuteLimits | undefined;
  /**
   * For limiters that count only requests (p-queue, bottleneck): requests per provider minute,
   * derived from the told limits, or undefined when none are known.
   */
  readonly requestsPerMinute: number | undefined;
  /** Sluice only: burst in provider seconds of refill (its default is 1). */
  readonly burstSeconds?: number;
  /** In-flight work is aborted after this long (real ms), and what is left counts as unfinished. */
  readonly deadlineMs: number;
  /** Several processes splitting one batch: this one sends documents index, index + count, … */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Several processes: a start line (harness/barrier.ts) they pass together after their warm-up. */
  readonly startBarrierUrl?: string;
  /** Sluice only: share the quota with the other processes through Redis at this URL. */
  readonly sharedQuota?: { readonly url: string; readonly quota: string; readonly concurrency?: number };
}

export interface CompetitorResult {
  /** From the first request to the last settled, real ms. */
  readonly makespanMs: number;
  /** When this process started sending and when its last request settled (epoch ms). */
  readonly startedAtMs?: number;
  readonly endedAtMs?: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Aborted at the deadline. */
  readonly unfinished: number;
  /** Failures by kind (error class and status). */
  readonly errors: Readonly<Record<string, number>>;
  /** Anything the client reports about itself (e.g. the throttle's learned limits). */
  readonly client?: Readonly<Record<string, unknown>>;
}

/** Sends one prompt through the competitor's stack; rejects on failure. */
export type Send = (prompt: string, signal: AbortSignal) => Promise<unknown>;

/**
 * Sends every document of the workload at once through `send` (each competitor decides how many
 * actually go out), and times until all have settled or the deadline aborted the rest. `warmUp` runs
 * first, off the clock: one free, unlimited count_tokens call that opens the connection and warms
 * the SDK, so a run of a few seconds does not also measure a cold start.
 */
export async function drive(
  params: CompetitorParams,
  warmUp: () => Promise<unknown>,
  send: Send,
): Promise<CompetitorResult> {
  const shard = params.shard;
  const prompts = makeDocuments(params.documents)
    .map(promptFor)
    .filter((_, index) => shard === undefined || index % shard.count === shard.index);
  await warmUp();
  if (params.startBarrierUrl !== undefined) await (await fetch(params.startBarrierUrl)).text();
  const startedAtMs = Date.now();
  const controller = new AbortController();
  const deadline = setTimeout(
    () => controller.abort(new Error(`deadline of ${params.deadlineMs} ms`)),
    params.deadlineMs,
  );
  const started = performance.now();
  const outcomes = await Promise.allSettled(prompts.map((prompt) => send(prompt, controller.signal)));
  const makespanMs = performance.now() - started;
  const endedAtMs = Date.now();
  clearTimeout(deadline);
  const errors: Record<string, number> = {};
  let succeeded = 0;
  let failed = 0;
  let unfinished = 0;
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") {
      succeeded++;
    } else if (controller.signal.aborted && isAbort(outcome.reason)) {
      unfinished++;
    } else {
      failed++;
      const kind = describeError(outcome.reason);
      errors[kind] = (errors[kind] ?? 0) + 1;
    }
  }
  return { makespanMs, startedAtMs, endedAtMs, succeeded, failed, unfinished, errors };
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown; code?: unknown } | null)?.name;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    name === "AbortError" ||
    name === "APIUserAbortError" ||
    code === "aborted" ||
    (error instanceof Error && /deadline of/.test(error.message))
  );
}

/** "RateLimitError 429", "rate_limited 429", …: enough to see why requests failed. */
export function describeError(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const source = error as { code?: unknown; status?: unknown; constructor?: { name?: string } };
  const name = typeof source.code === "string" ? source.code : (source.constructor?.name ?? "Error");
  return typeof source.status === "number" ? `${name} ${source.status}` : name;
}

/**
 * The off-the-clock warm-up: count_tokens is free and not rate limited, so it leaves the buckets
 * alone. Two rounds of as many calls as the client's concurrency, with the workload's own prompts,
 * open the connections the run will use and warm the request path: one call alone left the first
 * wave of real calls 0.3–0.6 s slower than later ones, which a full server bucket does not wait for
 * (a minute of provider time is 0.5 s at the default time scale).
 */
export async function countTokensWarmUp(client: Anthropic, params: CompetitorParams): Promise<void> {
  const prompts = makeDocuments({ ...params.documents, count: params.concurrency }).map(promptFor);
  for (let round = 0; round < 2; round++) {
    await Promise.all(
      prompts.map((prompt) =>
        client.messages.countTokens({ model: params.model, messages: [{ role: "user", content: prompt }] }),
      ),
    );
  }
}

/** The request body every SDK-driven competitor sends. */
export function messageBody(params: CompetitorParams, prompt: string) {
  return {
    model: params.model,
    max_tokens: params.maxTokens,
    messages: [{ role: "user" as const, content: prompt }],
  };
}
