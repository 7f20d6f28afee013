import { describe, expect, it } from "vitest";
import { isLlmError } from "./errors.js";
import type { ChatResponse, ChatStreamEvent } from "./model.js";
import { collectStream, EventChannel, streamOfResponse } from "./stream.js";

const response: ChatResponse = {
  text: "Hello world",
  usage: { inputTokens: 3, outputTokens: 2, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
  stopReason: "end_turn",
  model: "test",
};

async function* events(...list: ChatStreamEvent[]): AsyncGenerator<ChatStreamEvent> {
  for (const event of list) yield event;
}

describe("collectStream", () => {
  it("returns the done event's response and reports text as it arrives", async () => {
    const seen: string[] = [];
    const result = await collectStream(
      events(
        { type: "text", text: "Hello " },
        { type: "usage", usage: { inputTokens: 3 } },
        { type: "text", text: "world" },
        { type: "done", response },
      ),
      (text) => seen.push(text),
    );
    expect(result).toBe(response);
    expect(seen).toEqual(["Hello ", "world"]);
  });

  it("fails with a retryable ConnectionError when the stream ends without done", async () => {
    const error = await collectStream(events({ type: "text", text: "Hel" })).catch((e: unknown) => e);
    expect(isLlmError(error, "connection")).toBe(true);
    expect((error as Error).message).toContain("3 characters");
  });
});

describe("streamOfResponse", () => {
  it("turns a response into text, usage and done events", async () => {
    const list: ChatStreamEvent[] = [];
    for await (const event of streamOfResponse(response)) list.push(event);
    expect(list.map((event) => event.type)).toEqual(["text", "usage", "done"]);
    expect(await collectStream(streamOfResponse(Promise.resolve(response)))).toBe(response);
  });
});

describe("EventChannel", () => {
  it("delivers pushed values in order, buffered or awaited, then ends", async () => {
    const channel = new EventChannel<number>();
    channel.push(1);
    const iterator = channel[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    const pending = iterator.next();
    channel.push(2);
    expect(await pending).toEqual({ value: 2, done: false });
    channel.push(3);
    channel.end();
    expect(await iterator.next()).toEqual({ value: 3, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it("rejects the consumer with the failure after the buffered values", async () => {
    const channel = new EventChannel<number>();
    channel.push(1);
    channel.fail(new Error("boom"));
    const iterator = channel[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    await expect(iterator.next()).rejects.toThrow("boom");
    const waiting = new EventChannel<number>();
    const next = waiting[Symbol.asyncIterator]().next();
    waiting.fail(new Error("late"));
    await expect(next).rejects.toThrow("late");
  });

  it("calls onCancel when the consumer stops early, and ignores later pushes", async () => {
    let cancelled = 0;
    const channel = new EventChannel<number>(() => {
      cancelled += 1;
    });
    channel.push(1);
    channel.push(2);
    for await (const value of channel) {
      expect(value).toBe(1);
      break;
    }
    expect(cancelled).toBe(1);
    channel.push(3);
    channel.fail(new Error("ignored"));
    expect(await channel[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
  });
});
