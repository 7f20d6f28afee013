import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  AbortedError,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  streamOfResponse,
  validateChatRequest,
} from "@sluice/llm";
import type { AnthropicBatches, BatchProgress, MessageBatchesState } from "@sluice/llm-anthropic";
import { STATE_DIR } from "./journal.js";
import { writeFileAtomic } from "./outputs.js";
import type { RunStats } from "./stats.js";

export const BATCHES_DIR = "batches";

export interface BatchQueueOptions {
  readonly batches: AnthropicBatches;
  readonly modelId: string;
  /** The output folder; batch states are saved under DIR/.sluice/batches/. */
  readonly stateDir: string;
  readonly stats: RunStats;
  /** How long the queue waits for more requests after the last one before submitting. Default 400 ms. */
  readonly settleMs?: number;
  /** Submit at the latest this long after the first waiting request. Default 5 s. */
  readonly maxDelayMs?: number;
}

interface Waiter {
  resolve(response: ChatResponse): void;
  reject(error: unknown): void;
}

interface Pending {
  readonly key: string;
  readonly request: ChatRequest;
  readonly waiters: Set<Waiter>;
}

/** Where the Message Batches stand, for the progress display. */
export interface BatchQueueProgress {
  readonly batches: number;
  readonly processing: number;
  readonly succeeded: number;
  readonly errored: number;
  readonly waiting: number;
}

/**
 * Turns Message Batches into a `ChatModel`, so the same nodes work in `--batch` mode: `generate()`
 * queues the request, and once requests stop arriving (every file in flight has asked for its chunk
 * summaries) the queue submits them all as one batch, polls until it ends and hands each caller its
 * response. Combining rounds become later batches.
 *
 * Nothing is paid twice: each request's `custom_id` is a hash of its content, every created batch's
 * state is saved under DIR/.sluice/batches/ at once, and a later run first collects any request it
 * finds in a saved batch (still running or ended) before submitting the rest.
 */
export class BatchQueue {
  readonly model: ChatModel;
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private firstWaitingAt = 0;
  private readonly controller = new AbortController();
  private readonly progressByFlush = new Map<number, BatchProgress["requestCounts"] & { batches: number }>();
  private flushes = 0;

  constructor(private readonly options: BatchQueueOptions) {
    const queue = this;
    this.model = {
      specificationVersion: "v1",
      provider: "anthropic",
      modelId: options.modelId,
      generate(request: ChatRequest): Promise<ChatResponse> {
        return queue.enqueue(request);
      },
      async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
        yield* streamOfResponse(await queue.enqueue(request));
      },
    };
  }

  progress(): BatchQueueProgress {
    let processing = 0;
    let succeeded = 0;
    let errored = 0;
    let batches = 0;
    for (const counts of this.progressByFlush.values()) {
      processing += counts.processing;
      succeeded += counts.succeeded;
      errored += counts.errored + counts.canceled + counts.expired;
      batches += counts.batches;
    }
    return { batches, processing, succeeded, errored, waiting: this.pending.size };
  }

  /** Stops polling; batches keep running at the provider and a later run picks them up. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.controller.abort(new AbortedError({ message: "The run ended; the Message Batches keep running." }));
    const error = new AbortedError({ message: "The run ended before the batch was submitted." });
    for (const entry of this.pending.values()) for (const waiter of entry.waiters) waiter.reject(error);
    this.pending.clear();
  }

  private enqueue(request: ChatRequest): Promise<ChatResponse> {
    validateChatRequest(request);
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    return new Promise<ChatResponse>((resolve, reject) => {
      const key = requestKey(this.options.modelId, request);
      let entry = this.pending.get(key);
      if (entry === undefined) {
        entry = { key, request: withoutTransport(request), waiters: new Set() };
        this.pending.set(key, entry);
      }
      const onAbort = () => {
        entry.waiters.delete(waiter);
        if (entry.waiters.size === 0 && this.pending.get(key) === entry) this.pending.delete(key);
        reject(new AbortedError({ cause: signal?.reason }));
      };
      const waiter: Waiter = {
        resolve: (response) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(response);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      entry.waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    const now = Date.now();
    if (this.timer === undefined) this.firstWaitingAt = now;
    else clearTimeout(this.timer);
    const settle = this.options.settleMs ?? 400;
    const latest = this.firstWaitingAt + (this.options.maxDelayMs ?? 5_000);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.flush();
      },
      Math.max(0, Math.min(settle, latest - now)),
    );
  }

  private async flush(): Promise<void> {
    const entries = [...this.pending.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    this.pending.clear();
    if (entries.length === 0) return;
    const flush = ++this.flushes;
    const signal = this.controller.signal;
    const settle = (
      entry: Pending,
      outcome: { ok: true; value: ChatResponse } | { ok: false; error: unknown },
    ) => {
      this.options.stats.attempts += 1;
      if (outcome.ok) {
        this.options.stats.succeeded += 1;
        for (const waiter of entry.waiters) waiter.resolve(outcome.value);
      } else {
        this.options.stats.otherFailures += 1;
        for (const waiter of entry.waiters) waiter.reject(outcome.error);
      }
    };
    try {
      const remaining = await this.collectSaved(entries, settle, signal);
      if (remaining.length === 0) return;
      const outcomes = await this.options.batches.run(
        remaining.map((entry) => ({ ...entry.request, key: entry.key })),
        {
          signal,
          onSubmitted: (state) => this.save(state),
          onProgress: (progress) =>
            this.progressByFlush.set(flush, { ...progress.requestCounts, batches: progress.batches.length }),
        },
      );
      outcomes.forEach((outcome, index) => {
        const entry = remaining[index]!;
        settle(
          entry,
          outcome.status === "fulfilled"
            ? { ok: true, value: outcome.value }
            : { ok: false, error: outcome.reason },
        );
      });
    } catch (error) {
      for (const entry of entries) for (const waiter of entry.waiters) waiter.reject(error);
    }
  }

  /** Answers the requests found in batches saved by earlier runs; returns the others. */
  private async collectSaved(
    entries: readonly Pending[],
    settle: (
      entry: Pending,
      outcome: { ok: true; value: ChatResponse } | { ok: false; error: unknown },
    ) => void,
    signal: AbortSignal,
  ): Promise<Pending[]> {
    const byKey = new Map(entries.map((entry) => [entry.key, entry]));
    for (const state of await this.savedStates()) {
      if (!state.customIds.some((id) => byKey.has(id))) continue;
      let outcomes: Awaited<ReturnType<AnthropicBatches["results"]>>;
      try {
        await this.options.batches.wait(state, { signal });
        outcomes = await this.options.batches.results(state, { signal });
      } catch (error) {
        if (signal.aborted) throw error;
        continue; // Expired, deleted or unreadable: the requests are simply submitted again.
      }
      for (const outcome of outcomes) {
        const entry = byKey.get(outcome.customId);
        // A request the saved batch could not answer (expired, canceled) is submitted again.
        if (entry === undefined || outcome.status !== "fulfilled") continue;
        byKey.delete(outcome.customId);
        settle(entry, { ok: true, value: outcome.value });
      }
    }
    return [...byKey.values()];
  }

  private async savedStates(): Promise<MessageBatchesState[]> {
    const directory = path.join(this.options.stateDir, STATE_DIR, BATCHES_DIR);
    const names = await fs.readdir(directory).catch(() => [] as string[]);
    const states: MessageBatchesState[] = [];
    for (const name of names.filter((file) => file.endsWith(".json")).sort()) {
      try {
        const state = JSON.parse(
          await fs.readFile(path.join(directory, name), "utf8"),
        ) as MessageBatchesState;
        const submitted = state.batches.at(-1)?.end ?? 0;
        if (submitted === 0) continue;
        // A run stopped while creating batches: what was created can still be collected.
        states.push(
          state.complete
            ? state
            : { ...state, customIds: state.customIds.slice(0, submitted), complete: true },
        );
      } catch {
        // Unreadable state: those requests are submitted again.
      }
    }
    return states;
  }

  private async save(state: MessageBatchesState): Promise<void> {
    const file = path.join(this.options.stateDir, STATE_DIR, BATCHES_DIR, `${state.fingerprint}.json`);
    await writeFileAtomic(file, `${JSON.stringify(state)}\n`);
  }
}

/** A request's `custom_id`: a hash of everything that is sent, so the same request gets the same id in every run. */
export function requestKey(modelId: string, request: ChatRequest): string {
  const content = JSON.stringify([
    modelId,
    request.system ?? "",
    request.messages,
    request.maxTokens,
    request.stopSequences ?? [],
  ]);
  return `r-${createHash("sha256").update(content).digest("hex").slice(0, 40)}`;
}

function withoutTransport(request: ChatRequest): ChatRequest {
  const { signal: _signal, timeoutMs: _timeout, transportRetries: _retries, ...rest } = request;
  return rest;
}
