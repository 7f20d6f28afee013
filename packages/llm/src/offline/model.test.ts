import { describe, expect, it } from "vitest";
import { isLlmError } from "../errors.js";
import type { ChatRequest, ChatStreamEvent } from "../model.js";
import { collectStream } from "../stream.js";
import { createOfflineModel, OFFLINE_MODEL_ID } from "./model.js";

const text =
  "The museum reopened after a two-year renovation. Its new wing holds the museum's collection of maps. " +
  "Visitors can now see maps that were kept in storage for decades. The renovation also added a cafe. " +
  "Entry to the museum remains free on Sundays.";

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content }],
  maxTokens: 500,
  ...extra,
});

describe("the offline model", () => {
  const model = createOfflineModel();

  it("labels itself as the offline extractive model, not an LLM", () => {
    expect(model).toMatchObject({
      specificationVersion: "v1",
      provider: "offline",
      modelId: OFFLINE_MODEL_ID,
    });
  });

  it("summarizes the text after 'Summarize:' with sentences from it", async () => {
    const response = await model.generate(ask(`Summarize: ${text}`));
    expect(response.model).toBe("offline-extractive");
    expect(response.stopReason).toBe("end_turn");
    expect(response.text.length).toBeGreaterThan(0);
    expect(response.text.length).toBeLessThan(text.length);
    expect(response.text).not.toContain("Summarize");
    for (const sentence of response.text.match(/[^.]+\./g) ?? []) expect(text).toContain(sentence.trim());
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    expect(response.usage.outputTokens).toBeGreaterThan(0);
    expect(response.requestId).toMatch(/^offline_[0-9a-f]{8}$/);
    expect(response.http).toBeUndefined();
  });

  it("is deterministic", async () => {
    expect(await model.generate(ask(`Summarize: ${text}`))).toEqual(
      await model.generate(ask(`Summarize: ${text}`)),
    );
  });

  it("follows 'in one sentence' and reads the last user message", async () => {
    const response = await model.generate({
      messages: [
        { role: "user", content: "Hello" },
        { role: "assistant", content: "Hi" },
        { role: "user", content: `Summarize in one sentence: ${text}` },
      ],
      maxTokens: 500,
    });
    expect(response.text.match(/\./g)).toHaveLength(1);
  });

  it("stops at maxTokens with stopReason max_tokens", async () => {
    const response = await model.generate(ask(`Summarize: ${text}`, { maxTokens: 6 }));
    expect(response.stopReason).toBe("max_tokens");
    expect(response.usage.outputTokens).toBeLessThanOrEqual(6);
    expect(response.text.length).toBeGreaterThan(0);
  });

  it("stops before a stop sequence", async () => {
    const response = await model.generate(ask(`Summarize: ${text}`, { stopSequences: [" maps"] }));
    expect(response.stopReason).toBe("stop_sequence");
    expect(response.text).not.toContain(" maps");
  });

  it("streams the same text, with usage events and a final done", async () => {
    const request = ask(`Summarize: ${text}`);
    const events: ChatStreamEvent[] = [];
    for await (const event of model.stream(request)) events.push(event);
    const streamed = events.map((event) => (event.type === "text" ? event.text : "")).join("");
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    expect(streamed).toBe((await model.generate(request)).text);
    expect(events.filter((event) => event.type === "usage")).toHaveLength(2);
    expect(await collectStream(model.stream(request))).toEqual(await model.generate(request));
  });

  it("rejects an aborted call with AbortedError", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await model
      .generate(ask("Summarize: x.", { signal: controller.signal }))
      .catch((e: unknown) => e);
    expect(isLlmError(error, "aborted")).toBe(true);
  });

  it("validates requests", async () => {
    await expect(model.generate({ messages: [], maxTokens: 5 })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(model.generate(ask("hi", { maxTokens: 1.5 }))).rejects.toMatchObject({
      code: "invalid_request",
    });
  });

  describe("with latency", () => {
    const slow = createOfflineModel({ latencyMs: 5_000 });

    it("aborts promptly while waiting", async () => {
      const controller = new AbortController();
      const pending = slow.generate(ask("Summarize: x.", { signal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      const error = await pending.catch((e: unknown) => e);
      expect(isLlmError(error, "aborted")).toBe(true);
    });

    it("times out with a retryable TimeoutError", async () => {
      const error = await slow.generate(ask("Summarize: x.", { timeoutMs: 30 })).catch((e: unknown) => e);
      expect(isLlmError(error, "timeout")).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(true);
      const streamError = await collectStream(slow.stream(ask("Summarize: x.", { timeoutMs: 30 }))).catch(
        (e: unknown) => e,
      );
      expect(isLlmError(streamError, "timeout")).toBe(true);
    });

    it("answers after the latency when nothing interrupts", async () => {
      const quick = createOfflineModel({ latencyMs: 10 });
      expect((await quick.generate(ask("Summarize: Short text here."))).text).toBe("Short text here.");
    });

    it("rejects a negative latency", () => {
      expect(() => createOfflineModel({ latencyMs: -1 })).toThrow(RangeError);
    });
  });
});
