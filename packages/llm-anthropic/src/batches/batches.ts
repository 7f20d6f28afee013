import type Anthropic from "@anthropic-ai/sdk";
import {
  abortError,
  type ChatRequest,
  InvalidRequestError,
  isLlmError,
  LlmConfigurationError,
  type LlmError,
  RequestTimeoutError,
  validateChatRequest,
} from "@sluice/llm";
import { type ClientSettings, resolveClient } from "../client.js";
import { PROVIDER, toLlmError } from "../errors.js";
import { DEFAULT_ANTHROPIC_MODEL } from "../model.js";
import { toMessageParams } from "../request.js";
import { assignCustomIds } from "./custom-ids.js";
import { type BatchLimits, planBatches, resolveLimits } from "./plan.js";
import {
  DEFAULT_POLL_SCHEDULE,
  PollBackoff,
  type PollSchedule,
  realSleep,
  type Sleep,
  TransientFailures,
} from "./poll.js";
import { type BatchOutcome, missingOutcome, outcomeOfLine } from "./results.js";
import {
  fingerprintOf,
  type MessageBatchesState,
  parseState,
  type SubmittedBatch,
  submittedUpTo,
} from "./state.js";

type MessageBatch = Anthropic.Messages.MessageBatch;
type BatchEntry = Anthropic.Messages.BatchCreateParams.Request;

/**
 * One request of a batch: a chat request (its `signal`, `timeoutMs` and `transportRetries` do not
 * apply: a batch runs on Anthropic's side), plus an optional key and model.
 */
export interface MessageBatchRequest extends ChatRequest {
  /** Your id for the request; sent as its `custom_id` when it is one (1-64 of A-Z a-z 0-9 _ -). Unique. */
  readonly key?: string;
  /** The model for this request; default the batches' `model`. */
  readonly model?: string;
}

export interface MessageBatchesOptions extends ClientSettings {
  /** Default model id for requests that name none. Default `DEFAULT_ANTHROPIC_MODEL`. */
  readonly model?: string;
  /** How often to poll a batch (ms). Default `{ initialMs: 5000, maxMs: 60000, multiplier: 1.5 }`. */
  readonly poll?: Partial<PollSchedule>;
  /** Lower the per-batch limits (never above the API's 100,000 requests / 256 MB). */
  readonly limits?: Partial<BatchLimits>;
  /** Consecutive transient polling failures (after the SDK's own retries) tolerated. Default 5. */
  readonly maxPollFailures?: number;
  /** Replaces `setTimeout` waits between polls, e.g. with virtual time in tests. */
  readonly sleep?: Sleep;
  /** Replaces `Date.now` for `maxWaitMs` and progress. */
  readonly now?: () => number;
}

export interface SubmitOptions {
  /** A state saved from `onSubmitted`: batches already created are not created again. */
  readonly resume?: MessageBatchesState | string;
  /**
   * Called after each batch is created, with the state so far; persist the latest one (it is plain
   * JSON). A restart that resumes from it submits nothing twice.
   */
  readonly onSubmitted?: (state: MessageBatchesState) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/** Where the batches stand, after each round of polling. */
export interface BatchProgress {
  readonly batches: readonly MessageBatch[];
  /** Request counts summed over the batches. */
  readonly requestCounts: Readonly<MessageBatch["request_counts"]>;
  /** Whether every batch has ended. */
  readonly ended: boolean;
  readonly elapsedMs: number;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Give up waiting (RequestTimeoutError) after this long; the batches keep running and can be resumed. */
  readonly maxWaitMs?: number;
  /** Cancel the batches when `signal` aborts, instead of leaving them to finish. Default false. */
  readonly cancelOnAbort?: boolean;
}

export interface RunOptions extends SubmitOptions, WaitOptions {}

interface Prepared {
  readonly entries: readonly BatchEntry[];
  readonly sizes: readonly number[];
  readonly customIds: readonly string[];
  readonly fingerprint: string;
}

const EMPTY_COUNTS = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };

/**
 * Message Batches: many requests answered asynchronously at half the price. Splits the requests
 * into batches within the API's limits, polls until they end, reads the results with the SDK and
 * maps each line back to its request; a saved state lets a restarted process pick up the same
 * batches instead of paying twice.
 *
 * @example
 * const batches = createMessageBatches({ model: "claude-haiku-5-5" });
 * const outcomes = await batches.run(
 *   docs.map((doc) => ({ key: doc.id, messages: [{ role: "user", content: `Summarize: ${doc.text}` }], maxTokens: 300 })),
 *   { resume: await load(), onSubmitted: (state) => save(state) },
 * );
 * for (const outcome of outcomes) if (outcome.status === "rejected") console.warn(outcome.key, outcome.reason.code);
 */
export class AnthropicBatches {
  readonly #client: Anthropic;
  readonly #secret: string | undefined;
  readonly #model: string;
  readonly #schedule: PollSchedule;
  readonly #limits: BatchLimits;
  readonly #maxPollFailures: number;
  readonly #sleep: Sleep;
  readonly #now: () => number;

  constructor(options: MessageBatchesOptions = {}) {
    const where = "createMessageBatches";
    const { client, secret } = resolveClient(options, where);
    this.#client = client;
    this.#secret = secret;
    this.#model = options.model ?? DEFAULT_ANTHROPIC_MODEL;
    if (typeof this.#model !== "string" || this.#model.trim() === "") {
      throw new LlmConfigurationError(`${where}: \`model\` must be a non-empty model id.`);
    }
    this.#schedule = { ...DEFAULT_POLL_SCHEDULE, ...options.poll };
    const { initialMs, maxMs, multiplier } = this.#schedule;
    if (!(initialMs > 0 && maxMs >= initialMs && multiplier >= 1)) {
      throw new LlmConfigurationError(
        `${where}: \`poll\` needs initialMs > 0, maxMs >= initialMs and multiplier >= 1 (got ${JSON.stringify(this.#schedule)}).`,
      );
    }
    this.#limits = resolveLimits(options.limits);
    this.#maxPollFailures = options.maxPollFailures ?? 5;
    if (!(Number.isInteger(this.#maxPollFailures) && this.#maxPollFailures >= 0)) {
      throw new LlmConfigurationError(`${where}: \`maxPollFailures\` must be a whole number, 0 or more.`);
    }
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Creates the batches for `requests` (or, with `resume`, only those not created yet) and returns
   * the state to save. Throws `InvalidRequestError` for a malformed request before sending anything.
   */
  async submit(
    requests: readonly MessageBatchRequest[],
    options: SubmitOptions = {},
  ): Promise<MessageBatchesState> {
    return this.#submit(this.#prepare(requests), options);
  }

  /** Polls every batch of `state` until all have ended; returns them in order. */
  async wait(stateInput: MessageBatchesState | string, options: WaitOptions = {}): Promise<MessageBatch[]> {
    const state = parseState(stateInput);
    if (!state.complete) {
      throw new InvalidRequestError(
        "Some requests of this state were never submitted; call submit(requests, { resume: state }) first.",
      );
    }
    const { signal } = options;
    try {
      return await this.#waitForAll(state, options);
    } catch (error) {
      // Best effort: the abort is what the caller must hear about; a batch left running still ends
      // (or expires) on its own.
      if (signal?.aborted && options.cancelOnAbort) await this.cancel(state).catch(() => undefined);
      throw signal?.aborted ? abortError(signal, error) : error;
    }
  }

  /**
   * The outcome of every request of `state`, in input order, read from the ended batches with the
   * SDK's `results()`. Requests whose line is errored, canceled or expired are `rejected` with a
   * typed error; a request with no line at all is rejected with a `ServerError`.
   */
  async results(
    stateInput: MessageBatchesState | string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<BatchOutcome[]> {
    const state = parseState(stateInput);
    const { signal } = options;
    const indexOf = new Map(state.customIds.map((id, index) => [id, index]));
    const outcomes: (BatchOutcome | undefined)[] = new Array(state.customIds.length).fill(undefined);
    for (const batch of state.batches) {
      const current = await this.#call(
        () => this.#client.messages.batches.retrieve(batch.id, {}, this.#options(signal)),
        signal,
      );
      if (current.processing_status !== "ended") {
        throw new InvalidRequestError(
          `Message Batch ${batch.id} is still ${current.processing_status}; call wait(state) before results(state).`,
        );
      }
      await this.#call(async () => {
        const lines = await this.#client.messages.batches.results(batch.id, {}, this.#options(signal));
        for await (const line of lines) {
          const index = indexOf.get(line.custom_id);
          // Lines of other batches, unknown ids and repeats are not ours to report.
          if (index === undefined || index < batch.start || index >= batch.end || outcomes[index]) continue;
          outcomes[index] = outcomeOfLine(line, batch.id, this.#secret);
        }
      }, signal);
    }
    return outcomes.map(
      (outcome, index) => outcome ?? missingOutcome(state.customIds[index] as string, batchOf(state, index)),
    );
  }

  /** Cancels every batch of `state` that has not ended; returns the batches as they now stand. */
  async cancel(
    stateInput: MessageBatchesState | string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<MessageBatch[]> {
    const state = parseState(stateInput);
    const { signal } = options;
    const out: MessageBatch[] = [];
    for (const batch of state.batches) {
      const current = await this.#call(
        () => this.#client.messages.batches.retrieve(batch.id, {}, this.#options(signal)),
        signal,
      );
      out.push(
        current.processing_status === "ended"
          ? current
          : await this.#call(
              () => this.#client.messages.batches.cancel(batch.id, {}, this.#options(signal)),
              signal,
            ),
      );
    }
    return out;
  }

  /**
   * Submit, wait and read the results in one call: the per-request outcomes in input order, shaped
   * like `Promise.allSettled` (`{ status: "fulfilled", value }` or `{ status: "rejected", reason }`,
   * each with its `customId` and your `key`). Pass `resume` (the state `onSubmitted` saved) after a
   * restart to continue with the same batches.
   *
   * @example
   * const outcomes = await batches.run(requests, { resume: saved, onSubmitted: save, signal });
   */
  async run(requests: readonly MessageBatchRequest[], options: RunOptions = {}): Promise<BatchOutcome[]> {
    const prepared = this.#prepare(requests);
    const state = await this.#submit(prepared, options);
    await this.wait(state, options);
    const outcomes = await this.results(state, options.signal ? { signal: options.signal } : {});
    return outcomes.map((outcome, index) => {
      const key = requests[index]?.key;
      return key === undefined ? outcome : { ...outcome, key };
    });
  }

  #prepare(requests: readonly MessageBatchRequest[]): Prepared {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new InvalidRequestError("Message Batches need a non-empty array of requests.");
    }
    requests.forEach((request, index) => {
      try {
        validateChatRequest(request);
      } catch (error) {
        throw new InvalidRequestError(
          `requests[${index}]: ${isLlmError(error) ? error.message : String(error)}`,
        );
      }
      if (request.model !== undefined && (typeof request.model !== "string" || request.model.trim() === "")) {
        throw new InvalidRequestError(`requests[${index}].model must be a non-empty model id when given.`);
      }
    });
    const customIds = assignCustomIds(requests.map((request) => request.key));
    const entries = requests.map(
      (request, index): BatchEntry => ({
        custom_id: customIds[index] as string,
        params: toMessageParams(request, request.model ?? this.#model),
      }),
    );
    const serialized = entries.map((entry) => JSON.stringify(entry));
    return {
      entries,
      sizes: serialized.map((text) => Buffer.byteLength(text)),
      customIds,
      fingerprint: fingerprintOf(serialized),
    };
  }

  async #submit(prepared: Prepared, options: SubmitOptions): Promise<MessageBatchesState> {
    const { signal } = options;
    let state: MessageBatchesState =
      options.resume === undefined ? this.#fresh(prepared) : this.#resumed(prepared, options.resume);
    if (state.complete) return state;
    const ranges = planBatches(prepared.sizes, submittedUpTo(state), this.#limits);
    for (const [position, range] of ranges.entries()) {
      if (signal?.aborted) throw abortError(signal);
      const created = await this.#call(
        () =>
          this.#client.messages.batches.create(
            { requests: prepared.entries.slice(range.start, range.end) as BatchEntry[] },
            this.#options(signal),
          ),
        signal,
      );
      const submitted: SubmittedBatch = { id: created.id, start: range.start, end: range.end };
      state = { ...state, batches: [...state.batches, submitted], complete: position === ranges.length - 1 };
      await options.onSubmitted?.(state);
    }
    if (!state.complete) state = { ...state, complete: true };
    return state;
  }

  #fresh(prepared: Prepared): MessageBatchesState {
    return {
      version: 1,
      fingerprint: prepared.fingerprint,
      customIds: prepared.customIds,
      batches: [],
      complete: false,
    };
  }

  #resumed(prepared: Prepared, resume: MessageBatchesState | string): MessageBatchesState {
    const state = parseState(resume);
    if (state.fingerprint !== prepared.fingerprint || state.customIds.length !== prepared.customIds.length) {
      throw new InvalidRequestError(
        "The saved Message Batches state was made for other requests (their ids or params differ); " +
          "resume with exactly the requests of the first run, or start without `resume`.",
      );
    }
    return state;
  }

  async #waitForAll(state: MessageBatchesState, options: WaitOptions): Promise<MessageBatch[]> {
    const { signal } = options;
    const started = this.#now();
    const backoff = new PollBackoff(this.#schedule);
    const failures = new TransientFailures(this.#maxPollFailures);
    const latest = new Map<string, MessageBatch>();
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      for (const batch of state.batches) {
        if (latest.get(batch.id)?.processing_status === "ended") continue;
        try {
          latest.set(
            batch.id,
            await this.#call(
              () => this.#client.messages.batches.retrieve(batch.id, {}, this.#options(signal)),
              signal,
            ),
          );
          failures.reset();
        } catch (error) {
          if (signal?.aborted) throw abortError(signal, error);
          failures.absorb(error);
        }
      }
      const batches = state.batches
        .map((batch) => latest.get(batch.id))
        .filter((b): b is MessageBatch => b !== undefined);
      const ended =
        batches.length === state.batches.length && batches.every((b) => b.processing_status === "ended");
      const elapsedMs = this.#now() - started;
      options.onProgress?.({ batches, requestCounts: sumCounts(batches), ended, elapsedMs });
      if (ended) return batches;
      if (options.maxWaitMs !== undefined && elapsedMs >= options.maxWaitMs) {
        throw new RequestTimeoutError({
          provider: PROVIDER,
          message:
            `The Message Batches were still processing after maxWaitMs = ${options.maxWaitMs}. They keep running on ` +
            "Anthropic's side: call wait(state) or run(requests, { resume: state }) later to collect them.",
        });
      }
      await this.#sleep(backoff.next(), signal);
    }
  }

  /** Runs one SDK call and turns what it throws into a @sluice/llm error. */
  async #call<T>(action: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw toLlmError(error, { signal, secret: this.#secret }) as LlmError;
    }
  }

  #options(signal: AbortSignal | undefined): { signal?: AbortSignal } {
    return signal ? { signal } : {};
  }
}

/**
 * A Message Batches client (see `AnthropicBatches`).
 *
 * @example
 * const batches = createMessageBatches({ baseURL: emulator.url, apiKey: "test" });
 */
export function createMessageBatches(options: MessageBatchesOptions = {}): AnthropicBatches {
  return new AnthropicBatches(options);
}

function sumCounts(batches: readonly MessageBatch[]): MessageBatch["request_counts"] {
  const total = { ...EMPTY_COUNTS };
  for (const batch of batches) {
    for (const name of Object.keys(total) as (keyof typeof total)[])
      total[name] += batch.request_counts[name] ?? 0;
  }
  return total;
}

function batchOf(state: MessageBatchesState, index: number): string {
  return state.batches.find((batch) => index >= batch.start && index < batch.end)?.id ?? "(none)";
}
