import type { ScriptedEvent } from "@sluice/llm/testing";

/**
 * Messages API bodies and events for @sluice/llm/testing's scripted server: the Anthropic side of
 * the wire cases the emulator has no fault for.
 */

/** An Anthropic error body. */
export function errorBody(type: string, message: string, errorCode?: string): unknown {
  return {
    type: "error",
    error: { type, message, ...(errorCode === undefined ? {} : { details: { error_code: errorCode } }) },
    request_id: "req_scripted",
  };
}

/** The events of a successful stream that answers `text`. */
export function messageEvents(text: string, model = "claude-scripted"): ScriptedEvent[] {
  const events: [string, unknown][] = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id: "msg_scripted",
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 7, output_tokens: 1 },
        },
      },
    ],
    [
      "content_block_start",
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ],
    ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 3 },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  ];
  return events.map(([event, data]) => ({ event, data }));
}

/** A complete JSON `message` that answers `text`. */
export function messageJson(text: string, model = "claude-scripted"): unknown {
  return {
    id: "msg_scripted",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 2, cache_creation_input_tokens: 1 },
  };
}
