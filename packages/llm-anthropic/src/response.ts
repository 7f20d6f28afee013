import type Anthropic from "@anthropic-ai/sdk";
import { type ChatResponse, type HttpInfo, type StopReason, toStopReason, type Usage } from "@sluice/llm";

/** The usage fields any Anthropic usage object may carry (message, message_delta, batch results). */
export interface AnthropicUsageLike {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
}

/** The counts present in an Anthropic usage object (nulls and absent fields left out). */
export function partialUsage(usage: AnthropicUsageLike | null | undefined): Partial<Usage> {
  const out: { -readonly [K in keyof Usage]?: number } = {};
  if (!usage) return out;
  if (typeof usage.input_tokens === "number") out.inputTokens = usage.input_tokens;
  if (typeof usage.output_tokens === "number") out.outputTokens = usage.output_tokens;
  if (typeof usage.cache_read_input_tokens === "number")
    out.cacheReadInputTokens = usage.cache_read_input_tokens;
  if (typeof usage.cache_creation_input_tokens === "number") {
    out.cacheCreationInputTokens = usage.cache_creation_input_tokens;
  }
  return out;
}

/** Every count of an Anthropic usage object, missing ones as 0. */
export function toUsage(usage: AnthropicUsageLike | null | undefined): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    ...partialUsage(usage),
  };
}

/** The text blocks of a message, joined; tool calls and thinking blocks are not part of the text. */
export function messageText(content: readonly Anthropic.ContentBlock[] | null | undefined): string {
  if (!content) return "";
  let text = "";
  for (const block of content) if (block.type === "text") text += block.text;
  return text;
}

/**
 * A `ChatResponse` from an Anthropic `message`.
 *
 * @example
 * const { data, response } = await client.messages.create(params).withResponse();
 * toChatResponse(data, { http, requestId: response.headers.get("request-id") ?? undefined });
 */
export function toChatResponse(
  message: Anthropic.Message,
  extras: { readonly http?: HttpInfo | undefined; readonly requestId?: string | undefined } = {},
): ChatResponse {
  const requestId =
    extras.requestId ??
    nonEmpty((message as { _request_id?: string | null })._request_id) ??
    nonEmpty(extras.http?.headers["request-id"]);
  return {
    text: messageText(message.content),
    usage: toUsage(message.usage),
    stopReason: toStopReason(message.stop_reason) as StopReason,
    model: message.model,
    ...(requestId === undefined ? {} : { requestId }),
    ...(extras.http === undefined ? {} : { http: extras.http }),
  };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
