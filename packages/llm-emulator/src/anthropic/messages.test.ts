import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../server.js";
import { anthropicClient, messageParams, PROMPT, rejectionOf } from "../test-support.js";
import { countTokens, summarize } from "../text.js";

let emu: Emulator;
let client: Anthropic;
/** What the emulator answers to PROMPT with the default seed and summary ratio. */
const SUMMARY = summarize(PROMPT, { seed: 1, ratio: 1 / 3 });

beforeAll(async () => {
  emu = await startEmulator({
    limits: { requestsPerMinute: 1000, inputTokensPerMinute: 1_000_000, outputTokensPerMinute: 200_000 },
    // A slowed provider clock (a provider minute lasts ~17 real hours): at timeScale 1 the requests
    // bucket would win back one request every 60 ms, so on a loaded machine it could refill between
    // the admission and the headers being written, and "remaining" would read 1000 instead of 999.
    timeScale: 1 / 1000,
  });
  client = anthropicClient(emu);
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe("POST /v1/messages (JSON)", () => {
  it("answers with an extractive summary of the last user message, its usage and end_turn", async () => {
    const {
      data: message,
      response,
      request_id,
    } = await client.messages.create(messageParams()).withResponse();
    const expected = SUMMARY;
    expect(SUMMARY.length).toBeGreaterThan(40);
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-emulated",
      stop_reason: "end_turn",
      stop_sequence: null,
      content: [{ type: "text", text: expected }],
      usage: {
        input_tokens: countTokens(PROMPT),
        output_tokens: countTokens(expected),
        cache_read_input_tokens: 0,
      },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(request_id).toMatch(/^req_/);
    expect(response.headers.get("request-id")).toBe(request_id);
    expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBe("1000");
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("999");
    expect(response.headers.get("anthropic-ratelimit-tokens-limit")).toBe("200000");
    expect(Date.parse(response.headers.get("anthropic-ratelimit-input-tokens-reset") ?? "")).not.toBeNaN();
  });

  it("counts input tokens over the system prompt and every message", async () => {
    const system = "You summarise.";
    const messages = [
      { role: "user" as const, content: "First question?" },
      { role: "assistant" as const, content: "First answer." },
      { role: "user" as const, content: [{ type: "text" as const, text: PROMPT }] },
    ];
    const message = await client.messages.create(messageParams({ system, messages }));
    const chars = system.length + "First question?".length + "First answer.".length + PROMPT.length;
    expect(message.usage.input_tokens).toBe(Math.ceil(chars / 4));
    const counted = await client.messages.countTokens({ model: "claude-emulated", system, messages });
    expect(counted.input_tokens).toBe(message.usage.input_tokens);
    expect(emu.stats()).toMatchObject({ requests: 1, countTokensRequests: 1 });
  });

  it("cuts the text at max_tokens with stop_reason max_tokens", async () => {
    const message = await client.messages.create(messageParams({ max_tokens: 3 }));
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(3);
    expect(message.content[0]).toMatchObject({ type: "text", text: SUMMARY.slice(0, 12) });
  });

  it("honours stop_sequences with stop_reason stop_sequence", async () => {
    const message = await client.messages.create(messageParams({ stop_sequences: ["Buckets", "zebra"] }));
    expect(message).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "Buckets" });
    expect(message.content[0]).toMatchObject({ text: SUMMARY.slice(0, SUMMARY.indexOf("Buckets")) });
  });

  it("gives the same text for the same seed and prompt", async () => {
    const other = await startEmulator({ seed: 1 });
    try {
      const a = await client.messages.create(messageParams());
      const b = await anthropicClient(other).messages.create(messageParams());
      expect(a.content).toEqual(b.content);
    } finally {
      await other.close();
    }
  });

  it("rejects temperature, top_p and top_k with 400 invalid_request_error, as API version 2026-10-21 does", async () => {
    for (const parameter of ["temperature", "top_p", "top_k"]) {
      const error = await rejectionOf(
        client.messages.create({
          ...messageParams(),
          [parameter]: 0.5,
        } as Anthropic.MessageCreateParamsNonStreaming),
      );
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error.type).toBe("invalid_request_error");
      expect(error.apiMessage).toContain(parameter);
    }
    expect(emu.stats().admitted).toBe(0);
  });

  it("accepts sampling parameters from clients that send an older anthropic-version", async () => {
    const response = await fetch(`${emu.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "k" },
      body: JSON.stringify({ ...messageParams(), temperature: 0.2 }),
    });
    expect(response.status).toBe(200);
  });

  it("answers malformed requests with 400 and the API's field messages", async () => {
    const noMaxTokens = await rejectionOf(
      client.messages.create({ model: "m", messages: [{ role: "user", content: "hi" }] } as never),
    );
    expect(noMaxTokens).toBeInstanceOf(Anthropic.BadRequestError);
    expect(noMaxTokens.apiMessage).toMatch(/^max_tokens/);
    const badJson = await fetch(`${emu.url}/v1/messages`, { method: "POST", body: "{nope" });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  it("refuses prompts above the context window with 400 prompt_too_long", async () => {
    emu.configure({ contextWindowTokens: 10 });
    try {
      const error = await rejectionOf(client.messages.create(messageParams()));
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error.errorCode).toBe("prompt_too_long");
    } finally {
      emu.configure({ contextWindowTokens: 200_000 });
    }
  });

  it("answers unknown paths with 404 not_found_error", async () => {
    const response = await fetch(`${emu.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });
});

describe("POST /v1/messages (SSE)", () => {
  it("streams message_start with input usage, text deltas, message_delta with cumulative output, message_stop", async () => {
    const stream = await client.messages.create({ ...messageParams(), stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("message_start");
    expect(types[1]).toBe("content_block_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    const start = events[0] as Anthropic.RawMessageStartEvent;
    expect(start.message.usage.input_tokens).toBe(countTokens(PROMPT));
    const text = events
      .filter((event): event is Anthropic.RawContentBlockDeltaEvent => event.type === "content_block_delta")
      .map((event) => (event.delta.type === "text_delta" ? event.delta.text : ""))
      .join("");
    const expected = SUMMARY;
    expect(text).toBe(expected);
    const delta = events.at(-2) as Anthropic.RawMessageDeltaEvent;
    expect(delta.delta.stop_reason).toBe("end_turn");
    expect(delta.usage.output_tokens).toBe(countTokens(expected));
  });

  it("works with the SDK's messages.stream() helper, stop reasons included", async () => {
    const stream = client.messages.stream(messageParams({ max_tokens: 7 }));
    let streamed = "";
    stream.on("text", (text) => {
      streamed += text;
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("max_tokens");
    expect(final.usage).toMatchObject({ input_tokens: countTokens(PROMPT), output_tokens: 7 });
    expect(streamed).toBe(SUMMARY.slice(0, 28));
    const stopped = await client.messages
      .stream(messageParams({ stop_sequences: ["budget"] }))
      .finalMessage();
    expect(stopped).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "budget" });
  });

  it("sends the rate-limit headers with the stream's HTTP 200", async () => {
    const { response } = await client.messages.create({ ...messageParams(), stream: true }).withResponse();
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("anthropic-ratelimit-output-tokens-limit")).toBe("200000");
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    await response.body?.cancel();
  });
});
