import { type ChatResponse, emptyUsage, type HttpInfo, type StopReason, type Usage } from "@sluice/llm";

/** The `usage` object of a chat completion (or of the last chunk of a stream). */
export interface OpenAIUsage {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
}

/** The part of a `chat.completion` body this adapter reads. */
export interface ChatCompletion {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly {
    readonly message?: { readonly content?: unknown; readonly refusal?: unknown } | null;
    readonly finish_reason?: string | null;
    /** vLLM: the stop string (or token id) that ended the answer. */
    readonly stop_reason?: unknown;
  }[];
  readonly usage?: OpenAIUsage | null;
}

/** A `ChatResponse` from this adapter: `usageEstimated` is true when the server reported no usage. */
export interface OpenAIChatResponse extends ChatResponse {
  /**
   * True when the server sent no usage (a stream cut after its last text but before the usage
   * chunk, or a server that ignores `stream_options.include_usage`): `usage` is then an estimate
   * from @sluice/llm's token estimator, conservative (rather too high than too low).
   */
  readonly usageEstimated?: boolean;
}

/**
 * Whether a response's usage is an estimate rather than the server's count (see `OpenAIChatResponse`).
 *
 * @example
 * const response = await model.generate(request);
 * if (isUsageEstimated(response)) log.warn("usage is estimated", response.usage);
 */
export function isUsageEstimated(response: ChatResponse): boolean {
  return (response as OpenAIChatResponse).usageEstimated === true;
}

/**
 * `finish_reason` → `StopReason`. OpenAI's "stop" does not say whether a stop sequence or the model
 * ended the answer; it becomes "stop_sequence" only when the server names the matched string (vLLM's
 * `stop_reason`), else "end_turn".
 */
export function finishReasonToStopReason(finishReason: unknown, matchedStop?: unknown): StopReason {
  switch (finishReason) {
    case "stop":
      return typeof matchedStop === "string" && matchedStop !== "" ? "stop_sequence" : "end_turn";
    case "length":
      return "max_tokens";
    case "content_filter":
      return "refusal";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    default:
      return "unknown";
  }
}

/**
 * Usage from OpenAI's counts, or undefined when the server sent none. Cached prompt tokens are
 * part of `prompt_tokens` on OpenAI; they are split out as `cacheReadInputTokens`, so that
 * `inputTokens` stays the tokens billed at the full rate, as @sluice/llm defines it.
 */
export function toUsage(usage: OpenAIUsage | null | undefined): Usage | undefined {
  if (!usage || typeof usage !== "object") return undefined;
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  const cached = Math.min(count(usage.prompt_tokens_details?.cached_tokens) ?? 0, prompt ?? 0);
  return {
    ...emptyUsage(),
    inputTokens: (prompt ?? 0) - cached,
    outputTokens: completion ?? 0,
    cacheReadInputTokens: cached,
  };
}

/** The text of a message's `content`: a string, or the text parts of an array. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (typeof part === "object" && part !== null && (part as { type?: unknown }).type === "text") {
      const value = (part as { text?: unknown }).text;
      if (typeof value === "string") text += value;
    }
  }
  return text;
}

export interface ResponseExtras {
  readonly http?: HttpInfo | undefined;
  readonly requestId?: string | undefined;
  /** The model id sent, used when the body names none. */
  readonly requestedModel: string;
  /** Usage to use when the body carries none (then marked `usageEstimated`). */
  readonly estimateUsage: (text: string) => Usage;
}

/**
 * A `ChatResponse` from a `chat.completion` body. Throws a `SyntaxError` for a body without choices,
 * which is not an answer at all (the caller maps it to a retryable `ServerError`).
 */
export function toChatResponse(body: ChatCompletion, extras: ResponseExtras): OpenAIChatResponse {
  const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
  if (!choice) throw new SyntaxError("The chat completion has no choices.");
  const text = contentText(choice.message?.content);
  const refused = typeof choice.message?.refusal === "string" && choice.message.refusal !== "";
  const reported = toUsage(body.usage);
  const model = typeof body.model === "string" && body.model !== "" ? body.model : extras.requestedModel;
  return {
    text,
    usage: reported ?? extras.estimateUsage(text),
    stopReason: refused ? "refusal" : finishReasonToStopReason(choice.finish_reason, choice.stop_reason),
    model,
    ...(extras.requestId === undefined ? {} : { requestId: extras.requestId }),
    ...(extras.http === undefined ? {} : { http: extras.http }),
    ...(reported ? {} : { usageEstimated: true }),
  };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}
