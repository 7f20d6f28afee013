import { InvalidRequestError } from "./errors.js";
import type { AbortSignalLike } from "./platform.js";

/**
 * A chat model behind a provider-neutral, versioned interface. Adapters (Anthropic, OpenAI-compatible
 * servers, the offline summarizer) implement it; everything else in Sluice talks only to it.
 *
 * `specificationVersion` lets the interface evolve: a future "v2" can add members without breaking
 * code that checks for "v1".
 */
export interface ChatModel {
  readonly specificationVersion: "v1";
  /** Who serves the model: "anthropic", "openai", "offline", … */
  readonly provider: string;
  /** The model the adapter sends by default, e.g. "claude-sonnet-5-5" or "offline-extractive". */
  readonly modelId: string;
  generate(request: ChatRequest): Promise<ChatResponse>;
  /** The same call, delivered as it is produced; ends with exactly one `done` event. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
  /**
   * How the provider counts a call against its token rate limits, so that a limiter (`withLimiter`)
   * keeps the same books. Optional: a model that leaves it out is treated as "refund-unused".
   */
  readonly rateLimitAccounting?: RateLimitAccounting;
}

/**
 * How a provider counts a call against its tokens-per-minute limits:
 *
 * - `"refund-unused"`: output is reserved at `maxTokens` when the call is admitted and what was not
 *   generated is given back afterwards (Anthropic's ITPM/OTPM). A limiter corrects its reservation
 *   down to the real usage.
 * - `"charge-reserved"`: one combined tokens bucket is charged up front at max(`maxTokens`, the input
 *   estimate) and nothing is given back, whatever the call really used; failed calls count too
 *   (OpenAI's TPM). A limiter reserves the same and never reports less than it reserved, or it would
 *   admit more than the provider takes and run into 429s.
 */
export type RateLimitAccounting = "refund-unused" | "charge-reserved";

export interface ChatMessage {
  readonly role: "user" | "assistant";
  readonly content: string;
}

export interface ChatRequest {
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  /** Upper bound on generated tokens; a limiter reserves this much output capacity up front. */
  readonly maxTokens: number;
  readonly stopSequences?: readonly string[];
  /** Aborting rejects the call with `AbortedError`, promptly, and cancels the HTTP request. */
  readonly signal?: AbortSignalLike;
  /** Per HTTP attempt; exceeding it rejects with `RequestTimeoutError` (retryable). */
  readonly timeoutMs?: number;
  /** Free-form tags for logs and tracing; adapters forward what their provider accepts. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * How many retries the adapter's own transport may make (SDK retries). A limiter sets 0 so that
   * every attempt passes through admission; left unset, the adapter uses its own default.
   */
  readonly transportRetries?: number;
}

export interface Usage {
  /** Input tokens billed at the base rate (Anthropic's `input_tokens`: cache reads and writes excluded). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheCreationInputTokens: number;
}

export type StopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded"
  | "unknown";

/** Status and headers of the final HTTP attempt, so a limiter can learn from them. */
export interface HttpInfo {
  readonly status: number;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ChatResponse {
  readonly text: string;
  readonly usage: Usage;
  readonly stopReason: StopReason;
  /** The model that actually answered (may differ from the requested alias). */
  readonly model: string;
  readonly requestId?: string;
  readonly http?: HttpInfo;
}

export type ChatStreamEvent =
  | { readonly type: "text"; readonly text: string }
  /** Usage known so far; later events may raise the numbers (output grows as text arrives). */
  | { readonly type: "usage"; readonly usage: Partial<Usage> }
  | { readonly type: "done"; readonly response: ChatResponse };

const STOP_REASONS: ReadonlySet<string> = new Set<StopReason>([
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded",
  "unknown",
]);

/** Maps a provider's stop reason string onto `StopReason`; anything unrecognised becomes "unknown". */
export function toStopReason(value: unknown): StopReason {
  return typeof value === "string" && STOP_REASONS.has(value) ? (value as StopReason) : "unknown";
}

/** A usage record with every count at zero. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
}

/** Fills the missing counts of a partial usage with zeros. */
export function completeUsage(partial: Partial<Usage> | undefined): Usage {
  return { ...emptyUsage(), ...definedOnly(partial ?? {}) };
}

/** Every prompt token the model read, whether billed fresh, written to or read from the cache. */
export function totalInputTokens(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens;
}

/** Whether `value` looks like a v1 `ChatModel` (duck-typed, so it works across package copies). */
export function isChatModel(value: unknown): value is ChatModel {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<ChatModel>;
  return (
    candidate.specificationVersion === "v1" &&
    typeof candidate.generate === "function" &&
    typeof candidate.stream === "function" &&
    typeof candidate.provider === "string" &&
    typeof candidate.modelId === "string"
  );
}

/**
 * Checks a request before it is sent and throws `InvalidRequestError` naming the field to fix.
 * Adapters call it first so that every provider rejects the same mistakes the same way.
 */
export function validateChatRequest(request: ChatRequest): void {
  if (typeof request !== "object" || request === null) {
    throw new InvalidRequestError("The chat request must be an object with `messages` and `maxTokens`.");
  }
  const { messages, maxTokens, system, stopSequences, timeoutMs, transportRetries } = request;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidRequestError(
      "`messages` must be a non-empty array of { role, content }, e.g. [{ role: 'user', content: 'Hi' }].",
    );
  }
  messages.forEach((message: ChatMessage, index: number) => {
    if (typeof message !== "object" || message === null) {
      throw new InvalidRequestError(`messages[${index}] must be an object { role, content }.`);
    }
    if (message.role !== "user" && message.role !== "assistant") {
      throw new InvalidRequestError(
        `messages[${index}].role must be "user" or "assistant" (got ${JSON.stringify(message.role)}); ` +
          "put system instructions in the request's `system` field.",
      );
    }
    if (typeof message.content !== "string") {
      throw new InvalidRequestError(`messages[${index}].content must be a string.`);
    }
  });
  if (messages[0]?.role !== "user") {
    throw new InvalidRequestError("The first message must have role 'user'.");
  }
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw new InvalidRequestError(
      `maxTokens must be a whole number of at least 1 (got ${String(maxTokens)}).`,
    );
  }
  if (system !== undefined && typeof system !== "string") {
    throw new InvalidRequestError("`system` must be a string when given.");
  }
  if (stopSequences !== undefined) {
    if (!Array.isArray(stopSequences) || stopSequences.some((s) => typeof s !== "string" || s === "")) {
      throw new InvalidRequestError("`stopSequences` must be an array of non-empty strings.");
    }
  }
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0)) {
    throw new InvalidRequestError(`timeoutMs must be a positive number of ms (got ${String(timeoutMs)}).`);
  }
  if (transportRetries !== undefined && !(Number.isInteger(transportRetries) && transportRetries >= 0)) {
    throw new InvalidRequestError(
      `transportRetries must be a whole number, 0 or more (got ${String(transportRetries)}).`,
    );
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
