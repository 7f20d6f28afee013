import { RequestTimeoutError } from "../errors.js";
import { estimateInputTokens, estimateTextTokens } from "../estimate.js";
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent, StopReason } from "../model.js";
import { validateChatRequest } from "../model.js";
import type { AbortSignalLike } from "../platform.js";
import { anySignal, sleep, throwIfAborted } from "../signals.js";
import { parseSummaryInstruction, summarizeExtractive } from "./summarize.js";

/** The model id every offline response carries, so no one mistakes its output for an LLM's. */
export const OFFLINE_MODEL_ID = "offline-extractive";

export interface OfflineModelOptions {
  /**
   * Wait this long before answering, to mimic a remote model in demos and tests of parallelism.
   * Honours `signal` and `timeoutMs`. Default 0.
   */
  readonly latencyMs?: number;
}

/**
 * A chat model that needs no key and no network: an extractive summarizer, **not an LLM**. It
 * answers `Summarize: <text>` (and "in N sentences/words" variants) with the most representative
 * sentences of <text>, in their original order; any other prompt is summarized as a whole. It is
 * deterministic, honours `maxTokens`, `stopSequences`, `signal` and `timeoutMs`, and reports
 * estimated usage. Every response says `model: "offline-extractive"`.
 *
 * @example
 * const model = createOfflineModel();
 * const { text } = await model.generate({ messages: [{ role: "user", content: `Summarize: ${article}` }], maxTokens: 200 });
 */
export function createOfflineModel(options: OfflineModelOptions = {}): ChatModel {
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new RangeError(`latencyMs must be a number of ms, 0 or more (got ${String(options.latencyMs)}).`);
  }

  async function answer(request: ChatRequest, signal: AbortSignalLike | undefined): Promise<ChatResponse> {
    validateChatRequest(request);
    throwIfAborted(signal);
    if (latencyMs > 0) await sleep(latencyMs, signal);
    throwIfAborted(signal);
    return respond(request);
  }

  return {
    specificationVersion: "v1",
    provider: "offline",
    modelId: OFFLINE_MODEL_ID,

    async generate(request: ChatRequest): Promise<ChatResponse> {
      const { signal, dispose } = deadline(request);
      try {
        return await answer(request, signal);
      } finally {
        dispose();
      }
    },

    async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
      const { signal, dispose } = deadline(request);
      try {
        const response = await answer(request, signal);
        yield { type: "usage", usage: { inputTokens: response.usage.inputTokens } };
        const chunks = response.text.match(/\S+\s*|\s+/g) ?? [];
        for (const [index, chunk] of chunks.entries()) {
          // Yield to the event loop now and then so timers (timeouts, aborts) can fire mid-stream.
          if (index % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
          throwIfAborted(signal);
          yield { type: "text", text: chunk };
        }
        throwIfAborted(signal);
        yield { type: "usage", usage: { outputTokens: response.usage.outputTokens } };
        yield { type: "done", response };
      } finally {
        dispose();
      }
    },
  };
}

function respond(request: ChatRequest): ChatResponse {
  const lastUser = [...request.messages].reverse().find((message) => message.role === "user");
  const instruction = parseSummaryInstruction(lastUser?.content ?? "");
  const summary = summarizeExtractive(instruction.text, {
    maxTokens: request.maxTokens,
    ...(instruction.maxSentences === undefined ? {} : { maxSentences: instruction.maxSentences }),
    ...(instruction.maxWords === undefined ? {} : { maxWords: instruction.maxWords }),
  });

  let text = summary.text;
  let stopReason: StopReason =
    summary.truncated && instruction.maxWords === undefined ? "max_tokens" : "end_turn";
  const stop = firstStopSequence(text, request.stopSequences ?? []);
  if (stop !== undefined) {
    text = text.slice(0, stop);
    stopReason = "stop_sequence";
  }

  return {
    text,
    usage: {
      inputTokens: estimateInputTokens(request),
      outputTokens: estimateTextTokens(text),
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    },
    stopReason,
    model: OFFLINE_MODEL_ID,
    requestId: `offline_${fingerprint(request)}`,
  };
}

function firstStopSequence(text: string, stopSequences: readonly string[]): number | undefined {
  let earliest: number | undefined;
  for (const sequence of stopSequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}

/** The request's signal combined with its `timeoutMs`, which rejects with `RequestTimeoutError`. */
function deadline(request: ChatRequest): { signal: AbortSignalLike | undefined; dispose: () => void } {
  if (request.timeoutMs === undefined) return { signal: request.signal, dispose: () => {} };
  const controller = new AbortController();
  const timeoutMs = request.timeoutMs;
  const timer = setTimeout(
    () => controller.abort(new RequestTimeoutError({ timeoutMs, provider: "offline" })),
    timeoutMs,
  );
  return {
    signal: anySignal(request.signal, controller.signal),
    dispose: () => clearTimeout(timer),
  };
}

/** A short, stable hash of the request (FNV-1a), so identical requests get identical ids. */
function fingerprint(request: ChatRequest): string {
  let hash = 0x811c9dc5;
  const input = JSON.stringify([
    request.system ?? "",
    request.messages,
    request.maxTokens,
    request.stopSequences ?? [],
  ]);
  for (let index = 0; index < input.length; index += 1) {
    hash ^= input.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
