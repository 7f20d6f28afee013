import type { ScriptedEvent } from "@sluice/llm/testing";

/**
 * Chat-completions bodies and stream chunks for @sluice/llm/testing's scripted server: the
 * OpenAI-compatible side of the wire cases the emulator has no fault for (a 502 with HTML, Ollama's
 * and vLLM's error bodies, a stream cut before its usage chunk, a server that echoes the key…).
 */

/** The `data: [DONE]` event that ends an OpenAI stream. */
export const DONE: ScriptedEvent = { data: "[DONE]" };

/** An OpenAI error body. */
export function errorBody(type: string, message: string, code: string | null = null): unknown {
  return { error: { message, type, param: null, code } };
}

/** A complete `chat.completion` answering `text`. */
export function completionJson(
  text: string,
  extra: { finish_reason?: string; usage?: unknown; model?: string; stop_reason?: unknown } = {},
): unknown {
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion",
    created: 1,
    model: extra.model ?? "scripted-model",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text },
        finish_reason: extra.finish_reason ?? "stop",
        ...(extra.stop_reason === undefined ? {} : { stop_reason: extra.stop_reason }),
      },
    ],
    ...("usage" in extra
      ? { usage: extra.usage }
      : { usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }),
  };
}

/**
 * The chunks of a stream answering `pieces`, as `data:` events: role chunk, content chunks, finish
 * chunk, usage chunk. End a complete stream with `DONE`.
 */
export function streamChunks(
  pieces: readonly string[],
  options: { finish?: string | null; usage?: boolean; model?: string } = {},
): { readonly data: unknown }[] {
  const model = options.model ?? "scripted-model";
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: "chatcmpl-scripted",
    object: "chat.completion.chunk",
    created: 1,
    model,
    choices,
    ...extra,
  });
  const chunks: unknown[] = [
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
  ];
  for (const piece of pieces)
    chunks.push(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
  if (options.finish !== null) {
    chunks.push(chunk([{ index: 0, delta: {}, finish_reason: options.finish ?? "stop" }]));
  }
  if (options.usage !== false) {
    chunks.push(chunk([], { usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }));
  }
  return chunks.map((data) => ({ data }));
}
