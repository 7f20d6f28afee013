import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorOptions } from "../options.js";
import { type Emulator, startEmulator } from "../server.js";
import { openaiClient, PROMPT, rejectionOf, until } from "../test-support.js";
import { countTokens, summarize } from "../text.js";

const emulators: Emulator[] = [];
async function start(options: EmulatorOptions = {}): Promise<{ emu: Emulator; client: OpenAI }> {
  const emu = await startEmulator(options);
  emulators.push(emu);
  return { emu, client: openaiClient(emu) };
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

const SUMMARY = summarize(PROMPT, { seed: 1, ratio: 1 / 3 });
const params = (overrides: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) => ({
  model: "gpt-emulated",
  messages: [
    { role: "system" as const, content: "Be brief." },
    { role: "user" as const, content: PROMPT },
  ],
  ...overrides,
});

describe("POST /v1/chat/completions", () => {
  it("answers in the OpenAI shape with usage and x-ratelimit headers (Go-duration resets)", async () => {
    const { client } = await start({ limits: { requestsPerMinute: 60, tokensPerMinute: 6000 } });
    const sentAt = Date.now();
    const { data, response } = await client.chat.completions
      .create(params({ max_tokens: 600 }))
      .withResponse();
    // The buckets refill in real time between admission and the headers being written (6,000
    // tokens and 60 requests a minute), so on a loaded machine the exact figures may be a little
    // higher: bound them by what can have refilled since the request was sent.
    const elapsedMs = Date.now() - sentAt;
    const remaining = (name: string) => Number(response.headers.get(`x-ratelimit-remaining-${name}`));
    expect(data).toMatchObject({
      object: "chat.completion",
      model: "gpt-emulated",
      choices: [{ index: 0, message: { role: "assistant", content: SUMMARY }, finish_reason: "stop" }],
      usage: {
        prompt_tokens: countTokens(`Be brief.${PROMPT}`),
        completion_tokens: countTokens(SUMMARY),
        total_tokens: countTokens(`Be brief.${PROMPT}`) + countTokens(SUMMARY),
      },
    });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(remaining("requests")).toBeGreaterThanOrEqual(59);
    expect(remaining("requests")).toBeLessThanOrEqual(Math.min(60, 59 + Math.floor(elapsedMs / 1_000)));
    expect(response.headers.get("x-ratelimit-limit-tokens")).toBe("6000");
    // One bucket, charged max(max_tokens, input estimate) = 600 up front, with no refund.
    expect(remaining("tokens")).toBeGreaterThanOrEqual(5400);
    expect(remaining("tokens")).toBeLessThanOrEqual(5400 + Math.floor((elapsedMs * 6000) / 60_000));
    expect(response.headers.get("x-ratelimit-reset-tokens")).toMatch(/^(\d+(\.\d+)?m?s)$/);
    expect(response.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?m?s$/);
  });

  it("accepts max_completion_tokens and reports finish_reason length when cut; honours stop", async () => {
    const { client } = await start();
    const cut = await client.chat.completions.create(params({ max_completion_tokens: 4 }));
    expect(cut.choices[0]).toMatchObject({
      finish_reason: "length",
      message: { content: SUMMARY.slice(0, 16) },
    });
    expect(cut.usage?.completion_tokens).toBe(4);
    const stopped = await client.chat.completions.create(params({ stop: ["Buckets"] }));
    expect(stopped.choices[0]).toMatchObject({
      finish_reason: "stop",
      message: { content: SUMMARY.slice(0, SUMMARY.indexOf("Buckets")) },
    });
  });

  it("streams chunks and, with stream_options.include_usage, a last chunk carrying usage", async () => {
    const { client } = await start();
    const stream = await client.chat.completions.create({
      ...params(),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(SUMMARY);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ completion_tokens: countTokens(SUMMARY) });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("streams without usage when include_usage is not asked for", async () => {
    const { client } = await start();
    const stream = await client.chat.completions.create({ ...params(), stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("answers 429 rate_limit_exceeded when the tokens bucket is short, and failed requests still use a request", async () => {
    const { emu, client } = await start({ limits: { requestsPerMinute: 10, tokensPerMinute: 1000 } });
    await client.chat.completions.create(params({ max_tokens: 700 }));
    const error = await rejectionOf(client.chat.completions.create(params({ max_tokens: 700 })));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.type).toBe("tokens");
    expect(Number(error.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(error.headers.get("x-ratelimit-remaining-requests")).toBe("8");
    expect(emu.stats()).toMatchObject({ admitted: 1, rateLimited: 1 });
  });

  it("answers 503 when its concurrency is full", async () => {
    const { emu, client } = await start({ limits: { maxConcurrency: 1 } });
    emu.failNext("slow", { delayMs: 600_000 });
    const abort = new AbortController();
    const held = client.chat.completions.create(params(), { signal: abort.signal }).catch(() => undefined);
    await until(() => emu.stats().generating === 1);
    const error = await rejectionOf(client.chat.completions.create(params()));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    abort.abort();
    await held;
    expect(emu.stats().overloaded).toBe(1);
  });

  it("maps faults to OpenAI's shapes: insufficient_quota without retry-after, midstream errors, resets", async () => {
    const { emu, client } = await start();
    emu.failNext("insufficient_quota");
    const quota = await rejectionOf(client.chat.completions.create(params()));
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect(quota).toMatchObject({ code: "insufficient_quota", type: "insufficient_quota" });
    expect(quota.headers.get("retry-after")).toBeNull();

    emu.failNext("rate_limit", { retryAfterSeconds: 2 });
    const limited = await rejectionOf(client.chat.completions.create(params()));
    expect(limited).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect(limited.headers.get("retry-after")).toBe("2");

    emu.failNext("context_length");
    const tooLong = await rejectionOf(client.chat.completions.create(params()));
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect(tooLong.code).toBe("context_length_exceeded");

    emu.failNext("authentication");
    expect(await rejectionOf(client.chat.completions.create(params()))).toBeInstanceOf(
      OpenAI.AuthenticationError,
    );

    emu.failNext("not_found");
    expect(await rejectionOf(client.chat.completions.create(params()))).toBeInstanceOf(OpenAI.NotFoundError);

    emu.failNext("connection_reset");
    expect(await rejectionOf(client.chat.completions.create(params()))).toBeInstanceOf(
      OpenAI.APIConnectionError,
    );

    emu.failNext("midstream_overloaded");
    const stream = await client.chat.completions.create({ ...params(), stream: true });
    const midstream = await rejectionOf(
      (async () => {
        for await (const _chunk of stream) {
          // drain
        }
      })(),
    );
    expect(midstream).toBeInstanceOf(OpenAI.APIError);
    expect(midstream.status).toBeUndefined();
    expect(emu.stats()).toMatchObject({ midStreamErrors: 1, connectionResets: 1 });
  });

  it("sends no x-ratelimit or x-request-id headers in no-headers mode", async () => {
    const { client } = await start({
      rateLimitHeaders: false,
      limits: { requestsPerMinute: 5, tokensPerMinute: 5000 },
    });
    const { response } = await client.chat.completions.create(params()).withResponse();
    expect([...response.headers.keys()].filter((name) => name.startsWith("x-"))).toEqual([]);
  });

  it("validates the body with OpenAI-style 400s", async () => {
    const { client } = await start();
    const error = await rejectionOf(client.chat.completions.create({ model: "m", messages: [] }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe("messages");
  });
});
