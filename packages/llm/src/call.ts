import { getDefaultModel } from "./default-model.js";
import { InvalidRequestError } from "./errors.js";
import { type LlmLimiter, withLimiter } from "./limiter.js";
import type { ChatModel, ChatRequest, ChatResponse } from "./model.js";
import type { AbortSignalLike } from "./platform.js";

/** `maxTokens` when the caller gives none. */
export const DEFAULT_MAX_TOKENS = 1024;

export interface ChatOptions {
  /** The model to call; default `getDefaultModel()` (see "Choosing a model" in the README). */
  readonly model?: ChatModel;
  /** Admit the call through this limiter (e.g. a @sluice/throttle Throttle); see `withLimiter`. */
  readonly limiter?: LlmLimiter;
}

export interface CallLlmOptions extends ChatOptions {
  readonly system?: string;
  /** Default 1024. */
  readonly maxTokens?: number;
  readonly stopSequences?: readonly string[];
  readonly signal?: AbortSignalLike;
  readonly timeoutMs?: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A `ChatRequest` whose `maxTokens` may be left to the default. */
export type ChatCallRequest = Omit<ChatRequest, "maxTokens"> & { readonly maxTokens?: number };

/**
 * Sends one prompt and returns the text of the answer: the helper PocketFlow-style code calls.
 * With no options it uses the default model, which works with no setup at all (the offline
 * summarizer) and becomes Claude once ANTHROPIC_API_KEY is set and @sluice/llm-anthropic imported.
 *
 * @example
 * const summary = await callLlm(`Summarize: ${text}`);
 * const answer = await callLlm("Name three rivers.", { system: "Be brief.", maxTokens: 200, signal });
 */
export async function callLlm(prompt: string, options: CallLlmOptions = {}): Promise<string> {
  if (typeof prompt !== "string" || prompt.trim() === "") {
    throw new InvalidRequestError("callLlm(prompt) needs a non-empty string prompt.");
  }
  const { model, limiter, maxTokens, ...request } = options;
  const response = await chat(
    {
      ...request,
      messages: [{ role: "user", content: prompt }],
      ...(maxTokens === undefined ? {} : { maxTokens }),
    },
    { ...(model ? { model } : {}), ...(limiter ? { limiter } : {}) },
  );
  return response.text;
}

/**
 * Sends a full chat request and returns the whole response (text, usage, stop reason, request id).
 *
 * @example
 * const response = await chat({ system: "Answer in French.", messages: [{ role: "user", content: "Hello" }] });
 * console.log(response.text, response.usage.outputTokens, response.stopReason);
 */
export async function chat(request: ChatCallRequest, options: ChatOptions = {}): Promise<ChatResponse> {
  if (typeof request !== "object" || request === null) {
    throw new InvalidRequestError(
      "chat(request) needs an object such as { messages: [{ role: 'user', content }] }.",
    );
  }
  const model = resolveModel(options);
  return model.generate({ ...request, maxTokens: request.maxTokens ?? DEFAULT_MAX_TOKENS });
}

// One wrapper per (limiter, model) pair, so the wrapper's token estimator keeps what it learned.
const limited = new WeakMap<LlmLimiter, WeakMap<ChatModel, ChatModel>>();

function resolveModel(options: ChatOptions): ChatModel {
  const model = options.model ?? getDefaultModel();
  const { limiter } = options;
  if (!limiter) return model;
  let byModel = limited.get(limiter);
  if (!byModel) {
    byModel = new WeakMap();
    limited.set(limiter, byModel);
  }
  let wrapped = byModel.get(model);
  if (!wrapped) {
    wrapped = withLimiter(model, limiter);
    byModel.set(model, wrapped);
  }
  return wrapped;
}
