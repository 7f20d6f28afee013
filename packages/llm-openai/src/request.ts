import type { ChatRequest } from "@sluice/llm";
import type { MaxTokensField } from "./presets.js";

export interface ChatCompletionMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** The JSON body of `POST {baseURL}/chat/completions` as this adapter sends it. */
export interface ChatCompletionBody {
  readonly model: string;
  readonly messages: readonly ChatCompletionMessage[];
  readonly max_tokens?: number;
  readonly max_completion_tokens?: number;
  readonly stop?: readonly string[];
  readonly user?: string;
  readonly stream?: boolean;
  readonly stream_options?: { readonly include_usage: boolean };
}

export interface BodyOptions {
  readonly model: string;
  readonly maxTokensField: MaxTokensField;
  readonly stream: boolean;
}

/**
 * The chat-completions body for a request: the system prompt as a leading system message, the
 * output cap under the server's field name, stop sequences as `stop`. Sampling parameters are never
 * sent (servers' defaults apply). Of `metadata`, only `user_id` is forwarded, as OpenAI's `user`.
 * Streams ask for `stream_options.include_usage`, so the last chunk carries the usage.
 *
 * @example
 * toChatCompletionBody({ system: "Be brief.", messages: [{ role: "user", content: "Hi" }], maxTokens: 50 },
 *   { model: "llama3.2", maxTokensField: "max_tokens", stream: false });
 * // → { model: "llama3.2", messages: [{ role: "system", content: "Be brief." },
 * //     { role: "user", content: "Hi" }], max_tokens: 50 }
 */
export function toChatCompletionBody(request: ChatRequest, options: BodyOptions): ChatCompletionBody {
  const messages: ChatCompletionMessage[] = [];
  if (request.system !== undefined && request.system !== "") {
    messages.push({ role: "system", content: request.system });
  }
  for (const message of request.messages) messages.push({ role: message.role, content: message.content });
  const userId = request.metadata?.user_id;
  return {
    model: options.model,
    messages,
    [options.maxTokensField]: request.maxTokens,
    ...(request.stopSequences !== undefined && request.stopSequences.length > 0
      ? { stop: [...request.stopSequences] }
      : {}),
    ...(typeof userId === "string" && userId !== "" ? { user: userId } : {}),
    ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}
