import type Anthropic from "@anthropic-ai/sdk";
import type { ChatRequest } from "@sluice/llm";

/**
 * The SDK refuses a non-streaming `messages.create` whose `max_tokens` could take longer than
 * 10 minutes (60 min × max_tokens / 128,000 > 10 min), unless given an explicit timeout. Above this,
 * `generate()` streams internally and assembles the same response.
 */
export const NON_STREAMING_MAX_TOKENS = 21_333;

/** Whether `generate()` must stream to get past the SDK's guard for long outputs. */
export function needsStreaming(maxTokens: number): boolean {
  return maxTokens > NON_STREAMING_MAX_TOKENS;
}

/**
 * The Messages API body for a chat request. It never carries `temperature`, `top_p` or `top_k`:
 * the API version the 1.x SDK sends (2026-10-21) rejects them with a 400. Of `metadata`, only
 * `user_id` exists in the API, so only it is forwarded.
 *
 * @example
 * toMessageParams({ messages: [{ role: "user", content: "Hi" }], maxTokens: 50 }, "claude-sonnet-5-5")
 * // → { model: "claude-sonnet-5-5", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] }
 */
export function toMessageParams(
  request: ChatRequest,
  model: string,
): Anthropic.MessageCreateParamsNonStreaming {
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model,
    max_tokens: request.maxTokens,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
  };
  if (request.system !== undefined && request.system !== "") params.system = request.system;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) {
    params.stop_sequences = [...request.stopSequences];
  }
  const userId = request.metadata?.user_id;
  if (typeof userId === "string" && userId !== "") params.metadata = { user_id: userId };
  return params;
}

/** The same body with `stream: true`. */
export function toStreamingParams(
  request: ChatRequest,
  model: string,
): Anthropic.MessageCreateParamsStreaming {
  return { ...toMessageParams(request, model), stream: true };
}
