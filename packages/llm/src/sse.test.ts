import { describe, expect, it } from "vitest";
import { readSse, SseParser } from "./sse.js";

function parseAll(chunks: readonly string[]) {
  const parser = new SseParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

describe("SseParser", () => {
  it("reads data events, whatever the line endings, however the text is split", () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\r\n\r\ndata: [DONE]\r\r';
    const expected = [
      { event: "", data: '{"a":1}' },
      { event: "", data: '{"b":2}' },
      { event: "", data: "[DONE]" },
    ];
    expect(parseAll([text])).toEqual(expected);
    // Every split point, "\r" | "\n" between chunks included.
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(expected);
    }
    expect(parseAll([...text])).toEqual(expected);
  });

  it("joins multi-line data, keeps event names, skips comments and empty events", () => {
    expect(parseAll([": ping\n\nevent: error\ndata: line 1\ndata:line 2\n\n\n\ndata\n\n"])).toEqual([
      { event: "error", data: "line 1\nline 2" },
      { event: "", data: "" },
    ]);
  });

  it("treats llama.cpp's `error:` line as an error event", () => {
    expect(parseAll(['error: {"message":"boom"}\n\n'])).toEqual([
      { event: "error", data: '{"message":"boom"}' },
    ]);
  });

  it("at the end: delivers a complete last line without its blank line, drops a half line", () => {
    expect(parseAll(["data: [DONE]\n"])).toEqual([{ event: "", data: "[DONE]" }]);
    expect(parseAll(['data: {"a":1}\n\ndata: {"b":'])).toEqual([{ event: "", data: '{"a":1}' }]);
  });
});

describe("readSse", () => {
  it("decodes UTF-8 split across chunks", async () => {
    const bytes = new TextEncoder().encode('data: {"t":"café ☕"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readSse(body)) events.push(event);
    expect(events).toEqual([{ event: "", data: '{"t":"café ☕"}' }]);
  });

  it("cancels the body when the reader stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("data: x\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _event of readSse(body)) break;
    expect(cancelled).toBe(true);
  });
});
