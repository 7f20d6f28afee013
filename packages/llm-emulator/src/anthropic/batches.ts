import type { Exchange } from "../exchange.js";
import { createRandom, hashString, shuffled } from "../prng.js";
import type { Runtime } from "../runtime.js";
import { complete } from "../text.js";
import { anthropicErrorBody, readAnthropicBody, sendAnthropicError } from "./errors.js";
import { messageObject } from "./messages.js";
import { isRecord, parseMessageRequest } from "./request.js";

/** The Message Batches API's limits: 100,000 requests or 256 MB per batch. */
export const MAX_BATCH_REQUESTS = 100_000;
export const MAX_BATCH_BODY_BYTES = 256 * 1024 * 1024;
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

type Final = "succeeded" | "errored" | "canceled" | "expired";

type Outcome =
  | {
      readonly type: "succeeded";
      readonly message: unknown;
      readonly inputTokens: number;
      readonly outputTokens: number;
    }
  | { readonly type: "errored"; readonly error: unknown };

interface StoredBatch {
  readonly id: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Real time at which processing would end on its own. */
  readonly naturalEnd: number;
  readonly customIds: readonly string[];
  readonly outcomes: readonly Outcome[];
  /** Request indices in the order they finish processing (not request order). */
  readonly order: readonly number[];
  /** Real time at which `order[k]` finishes. */
  readonly doneAt: readonly number[];
  cancelInitiatedAt: number | null;
  endedAt: number | null;
  finals: Final[] | null;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Message batches in memory. Each request's result is decided when the batch is created (the same
 * validation and text as /v1/messages, `service_tier: "batch"`, no per-minute buckets); results then
 * "finish" one by one, spread evenly over `batchProcessingMs` in a shuffled order, so a cancel or an
 * expiry part-way leaves a realistic mix of succeeded, errored, canceled and expired lines.
 */
export class BatchStore {
  readonly #runtime: Runtime;
  readonly #batches = new Map<string, StoredBatch>();

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** Stops the end-of-processing timers (server shutdown). */
  dispose(): void {
    for (const batch of this.#batches.values()) clearTimeout(batch.timer);
  }

  async create(exchange: Exchange): Promise<void> {
    const body = await readAnthropicBody(exchange, MAX_BATCH_BODY_BYTES);
    if (body === undefined) return;
    const requests = isRecord(body.value) ? body.value.requests : undefined;
    if (!Array.isArray(requests)) {
      sendAnthropicError(
        exchange,
        "invalid_request_error",
        "requests: Field required (an array of {custom_id, params}).",
      );
      return;
    }
    if (requests.length === 0 || requests.length > MAX_BATCH_REQUESTS) {
      sendAnthropicError(
        exchange,
        "invalid_request_error",
        `requests: a batch holds from 1 to ${MAX_BATCH_REQUESTS} requests, got ${requests.length}.`,
      );
      return;
    }
    const seen = new Set<string>();
    for (const [index, entry] of requests.entries()) {
      if (!isRecord(entry)) {
        sendAnthropicError(
          exchange,
          "invalid_request_error",
          `requests.${index}: Input should be an object.`,
        );
        return;
      }
      const customId = entry.custom_id;
      if (typeof customId !== "string" || !CUSTOM_ID.test(customId)) {
        sendAnthropicError(
          exchange,
          "invalid_request_error",
          `requests.${index}.custom_id: must be 1-64 characters of letters, digits, underscores and hyphens.`,
        );
        return;
      }
      if (seen.has(customId)) {
        sendAnthropicError(
          exchange,
          "invalid_request_error",
          `requests.${index}.custom_id: Duplicate custom_id ${JSON.stringify(customId)}; each custom_id must be unique within the batch.`,
        );
        return;
      }
      seen.add(customId);
      if (!isRecord(entry.params)) {
        sendAnthropicError(
          exchange,
          "invalid_request_error",
          `requests.${index}.params: Field required (an object).`,
        );
        return;
      }
    }

    const runtime = this.#runtime;
    const options = runtime.options();
    const now = runtime.clock();
    const id = runtime.ids.next("msgbatch_01");
    const version = exchange.header("anthropic-version");
    const outcomes = (requests as Array<{ custom_id: string; params: unknown }>).map((entry) =>
      this.#outcome(entry.params, version),
    );
    const random = createRandom(hashString(id, options.seed));
    let order = shuffled(
      outcomes.map((_, index) => index),
      random,
    );
    // Results come back out of request order; make that visible even when the shuffle happens not to.
    if (order.length > 1 && order.every((value, index) => value === index))
      order = [...order.slice(1), order[0] as number];
    const processingMs = options.batchProcessingMs / options.timeScale;
    const batch: StoredBatch = {
      id,
      createdAt: now,
      expiresAt: now + options.batchExpiryMs / options.timeScale,
      naturalEnd: now + processingMs,
      customIds: requests.map((entry) => (entry as { custom_id: string }).custom_id),
      outcomes,
      order,
      doneAt: order.map((_, k) => now + (processingMs * (k + 1)) / order.length),
      cancelInitiatedAt: null,
      endedAt: null,
      finals: null,
      timer: undefined,
    };
    this.#batches.set(id, batch);
    const stats = runtime.stats.current.batches;
    stats.created++;
    stats.requests += outcomes.length;
    this.#schedule(batch);
    // A new batch always reports in_progress, however short its processing time.
    exchange.sendJson(200, this.#view(batch, exchange, now, true));
  }

  retrieve(exchange: Exchange, id: string): void {
    const batch = this.#find(exchange, id);
    if (batch) exchange.sendJson(200, this.#view(batch, exchange, this.#runtime.clock()));
  }

  list(exchange: Exchange): void {
    const params = exchange.url.searchParams;
    const limitParam = params.get("limit");
    const limit = limitParam === null ? 20 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      sendAnthropicError(
        exchange,
        "invalid_request_error",
        "limit: Input should be an integer from 1 to 1000.",
      );
      return;
    }
    const now = this.#runtime.clock();
    // Newest first, as the API lists them.
    const all = [...this.#batches.values()].reverse();
    const afterId = params.get("after_id");
    const beforeId = params.get("before_id");
    let page: StoredBatch[];
    let hasMore: boolean;
    if (beforeId !== null) {
      const end = all.findIndex((batch) => batch.id === beforeId);
      const upTo = end === -1 ? 0 : end;
      page = all.slice(Math.max(0, upTo - limit), upTo);
      hasMore = upTo - limit > 0;
    } else {
      const from = afterId === null ? 0 : all.findIndex((batch) => batch.id === afterId) + 1;
      const start = afterId !== null && from === 0 ? all.length : from;
      page = all.slice(start, start + limit);
      hasMore = start + limit < all.length;
    }
    exchange.sendJson(200, {
      data: page.map((batch) => this.#view(batch, exchange, now)),
      has_more: hasMore,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
    });
  }

  cancel(exchange: Exchange, id: string): void {
    const batch = this.#find(exchange, id);
    if (!batch) return;
    const now = this.#runtime.clock();
    this.#settle(batch, now);
    if (batch.finals !== null) {
      sendAnthropicError(
        exchange,
        "invalid_request_error",
        `Message batch ${id} has already ended and cannot be canceled.`,
      );
      return;
    }
    batch.cancelInitiatedAt = now;
    clearTimeout(batch.timer);
    // Requests not finished by now are canceled; the response still shows the transitional state.
    const view = this.#view(batch, exchange, now, true);
    this.#settle(batch, now);
    exchange.sendJson(200, { ...view, processing_status: "canceling" });
  }

  remove(exchange: Exchange, id: string): void {
    const batch = this.#find(exchange, id);
    if (!batch) return;
    this.#settle(batch, this.#runtime.clock());
    if (batch.finals === null) {
      sendAnthropicError(
        exchange,
        "invalid_request_error",
        `Message batch ${id} is still processing; cancel it and wait for it to end before deleting it.`,
      );
      return;
    }
    clearTimeout(batch.timer);
    this.#batches.delete(id);
    exchange.sendJson(200, { id, type: "message_batch_deleted" });
  }

  /** GET results_url: one JSON line per request, in the order they finished. */
  results(exchange: Exchange, id: string): void {
    const batch = this.#find(exchange, id);
    if (!batch) return;
    this.#settle(batch, this.#runtime.clock());
    const finals = batch.finals;
    if (finals === null) {
      sendAnthropicError(
        exchange,
        "invalid_request_error",
        `Message batch ${id} is still processing; results are available once processing_status is "ended".`,
      );
      return;
    }
    const lines = batch.order.map((index) => {
      const customId = batch.customIds[index];
      const final = finals[index];
      const outcome = batch.outcomes[index] as Outcome;
      const result =
        final === "succeeded" && outcome.type === "succeeded"
          ? { type: "succeeded", message: outcome.message }
          : final === "errored" && outcome.type === "errored"
            ? { type: "errored", error: outcome.error }
            : { type: final };
      return `${JSON.stringify({ custom_id: customId, result })}\n`;
    });
    exchange.sendText(200, "application/binary", lines.join(""));
  }

  #outcome(params: unknown, version: string | undefined): Outcome {
    const options = this.#runtime.options();
    const parsed = parseMessageRequest(params, { requireMaxTokens: true, anthropicVersion: version });
    const error = (message: string, code?: string): Outcome => ({
      type: "errored",
      error: anthropicErrorBody("invalid_request_error", message, null, code),
    });
    if (!parsed.ok) return error(parsed.message);
    const request = parsed.request;
    if (request.stream) return error("stream: Streaming is not supported in message batches.");
    if (request.inputTokens > options.contextWindowTokens) {
      return error(
        `prompt is too long: ${request.inputTokens} tokens > ${options.contextWindowTokens} maximum`,
        "prompt_too_long",
      );
    }
    const completion = complete({
      source: request.prompt,
      maxTokens: request.maxTokens,
      stopSequences: request.stopSequences,
      seed: options.seed,
      ratio: options.summaryRatio,
    });
    return {
      type: "succeeded",
      message: messageObject(this.#runtime.ids.next("msg_01"), request, completion, "batch"),
      inputTokens: request.inputTokens,
      outputTokens: completion.outputTokens,
    };
  }

  #find(exchange: Exchange, id: string): StoredBatch | undefined {
    const batch = this.#batches.get(id);
    if (!batch)
      sendAnthropicError(exchange, "not_found_error", `No message batch with id ${JSON.stringify(id)}.`);
    return batch;
  }

  #schedule(batch: StoredBatch): void {
    const end = Math.min(batch.naturalEnd, batch.expiresAt);
    // The timer only keeps the counters honest for nobody-polls runs; state is computed from time.
    batch.timer = setTimeout(
      () => this.#settle(batch, this.#runtime.clock()),
      Math.max(0, end - batch.createdAt) + 1,
    );
    batch.timer.unref();
  }

  /** When the batch ends (or undefined while it is still processing at `now`). */
  #endTime(batch: StoredBatch, now: number): number | undefined {
    const end = Math.min(
      batch.naturalEnd,
      batch.expiresAt,
      batch.cancelInitiatedAt ?? Number.POSITIVE_INFINITY,
    );
    return now >= end ? end : undefined;
  }

  /** Decides every request's final state once the batch has ended; idempotent. */
  #settle(batch: StoredBatch, now: number): void {
    if (batch.finals !== null) return;
    const end = this.#endTime(batch, now);
    if (end === undefined) return;
    const canceled = batch.cancelInitiatedAt !== null && end === batch.cancelInitiatedAt;
    const finals: Final[] = new Array(batch.outcomes.length);
    batch.order.forEach((index, k) => {
      const outcome = batch.outcomes[index] as Outcome;
      if ((batch.doneAt[k] as number) <= end) finals[index] = outcome.type;
      else finals[index] = canceled ? "canceled" : "expired";
    });
    batch.finals = finals;
    batch.endedAt = end;
    const stats = this.#runtime.stats.current.batches;
    for (const [index, final] of finals.entries()) {
      stats[final]++;
      const outcome = batch.outcomes[index] as Outcome;
      if (final === "succeeded" && outcome.type === "succeeded") {
        stats.inputTokens += outcome.inputTokens;
        stats.outputTokens += outcome.outputTokens;
      }
    }
  }

  #view(batch: StoredBatch, exchange: Exchange, now: number, forceInProgress = false) {
    if (!forceInProgress) this.#settle(batch, now);
    const ended = !forceInProgress && batch.finals !== null;
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (ended && batch.finals) for (const final of batch.finals) counts[final]++;
    else counts.processing = batch.outcomes.length;
    const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());
    return {
      id: batch.id,
      type: "message_batch" as const,
      processing_status: ended ? "ended" : batch.cancelInitiatedAt !== null ? "canceling" : "in_progress",
      request_counts: counts,
      ended_at: ended ? iso(batch.endedAt) : null,
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.expiresAt),
      archived_at: null,
      cancel_initiated_at: iso(batch.cancelInitiatedAt),
      results_url: ended
        ? `${exchange.origin(this.#runtime.url())}/v1/messages/batches/${batch.id}/results`
        : null,
    };
  }
}
