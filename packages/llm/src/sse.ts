import type { ByteStream } from "./platform.js";

/**
 * Server-sent events, as chat-completion streams use them: `data:` lines (joined with "\n" when an
 * event has several), an optional `event:` name, `:` comments, events ended by a blank line, lines
 * ended by "\n", "\r\n" or "\r".
 */

export interface SseEvent {
  /** The `event:` field; "" when the server sent none (OpenAI never does). */
  readonly event: string;
  readonly data: string;
}

/**
 * An incremental parser: `push` text as it arrives, `end` when the body is over. Lenient at the end
 * of the body: an event whose last line is complete but lacks the closing blank line is still
 * delivered, while a line cut mid-way is dropped (it cannot be trusted).
 *
 * @example
 * const parser = new SseParser();
 * parser.push('data: {"a":1}\n\ndata: [DO'); // → [{ event: "", data: '{"a":1}' }]
 * parser.push("NE]\n\n"); // → [{ event: "", data: "[DONE]" }]
 */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";

  push(text: string): SseEvent[] {
    this.#buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.#buffer);
      if (!match) break;
      // A "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
      if (match[0] === "\r" && match.index === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** The body ended: delivers a complete-but-unterminated last event, drops a half line. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    // A "\r" held back as the possible first half of "\r\n" ends its line after all.
    if (this.#buffer.endsWith("\r")) {
      const event = this.#line(this.#buffer.slice(0, -1));
      if (event) events.push(event);
    }
    this.#buffer = "";
    const last = this.#dispatch();
    if (last) events.push(last);
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    // llama.cpp's server has sent failures as an `error:` line of JSON instead of a data line.
    else if (field === "error") {
      this.#event = "error";
      this.#data.push(value);
    }
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = "";
    if (data.length === 0) return undefined;
    return { event, data: data.join("\n") };
  }
}

/** The events of a response body, as they arrive. */
export async function* readSse(body: ByteStream): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // Stopped early (consumer break, error): release the connection.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
