import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorOptions } from "./options.js";
import { type Emulator, startEmulator } from "./server.js";
import { anthropicClient, messageParams, rejectionOf, sleep, until } from "./test-support.js";

const emulators: Emulator[] = [];
async function start(options: EmulatorOptions): Promise<{ emu: Emulator; client: Anthropic }> {
  const emu = await startEmulator(options);
  emulators.push(emu);
  return { emu, client: anthropicClient(emu) };
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

/** 1,600 characters: 400 input tokens. */
const LONG_PROMPT = "Tokens refill continuously at the limit per minute. ".repeat(32).slice(0, 1600);

async function statusOf(promise: Promise<unknown>): Promise<number> {
  return promise.then(
    () => 200,
    (error: { status?: number }) => error.status ?? 0,
  );
}

describe("requests per minute", () => {
  it("admits a full bucket, then answers 429 rate_limit_error with retry-after and headers", async () => {
    // At timeScale 1 one request comes back every 20 s: nothing refills during the test.
    const { emu, client } = await start({ limits: { requestsPerMinute: 3 } });
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++)
      statuses.push(await statusOf(client.messages.create(messageParams())));
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.type).toBe("rate_limit_error");
    expect(Number(error.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(error.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(emu.stats()).toMatchObject({
      requests: 6,
      admitted: 3,
      rateLimited: 3,
      byStatus: { 200: 3, 429: 3 },
    });
  });

  it("under time compression, waiting the retry-after is enough to be admitted again", async () => {
    const { client } = await start({ limits: { requestsPerMinute: 2 }, timeScale: 60 });
    let rejected: any;
    for (let attempt = 0; attempt < 50 && !rejected; attempt++) {
      await client.messages.create(messageParams()).catch((error) => {
        rejected = error;
      });
    }
    expect(rejected).toBeInstanceOf(Anthropic.RateLimitError);
    const seconds = Number(rejected.headers.get("retry-after"));
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(0.5); // one request refills every 0.5 real seconds
    await sleep(seconds * 1000 + 20);
    await expect(client.messages.create(messageParams())).resolves.toMatchObject({ type: "message" });
  });

  it("never admits more than the bucket plus its refill over the elapsed time", async () => {
    const { emu, client } = await start({ limits: { requestsPerMinute: 60 }, timeScale: 60 });
    const started = Date.now();
    for (let round = 0; round < 15; round++) {
      await Promise.all(Array.from({ length: 10 }, () => statusOf(client.messages.create(messageParams()))));
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    const { admitted, rateLimited, requests } = emu.stats();
    expect(requests).toBe(150);
    expect(admitted + rateLimited).toBe(150);
    expect(admitted).toBeGreaterThanOrEqual(60);
    // 60 per provider minute = 60 per real second at timeScale 60.
    expect(admitted).toBeLessThanOrEqual(60 + Math.ceil(60 * elapsedSeconds) + 1);
  });
});

describe("input tokens per minute", () => {
  it("charges the input at admission", async () => {
    const { emu, client } = await start({ limits: { inputTokensPerMinute: 1000 } });
    const params = messageParams({ messages: [{ role: "user", content: LONG_PROMPT }] });
    expect(await statusOf(client.messages.create(params))).toBe(200);
    expect(await statusOf(client.messages.create(params))).toBe(200);
    const error = await rejectionOf(client.messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.apiMessage).toContain("input tokens per minute");
    expect(error.headers.get("anthropic-ratelimit-input-tokens-limit")).toBe("1000");
    expect(error.headers.get("anthropic-ratelimit-input-tokens-remaining")).toBe("0");
    expect(emu.stats().inputTokens).toBe(800);
  });
});

describe("output tokens per minute", () => {
  it("reserves max_tokens at admission and refunds to the real output at the end", async () => {
    const { client } = await start({ limits: { outputTokensPerMinute: 100_000 } });
    const { data: stream, response } = await client.messages
      .create({ ...messageParams({ max_tokens: 50_000 }), stream: true })
      .withResponse();
    // The stream's headers are sent right after admission: the whole max_tokens is held.
    expect(response.headers.get("anthropic-ratelimit-output-tokens-remaining")).toBe("50000");
    let output = 0;
    for await (const event of stream) if (event.type === "message_delta") output = event.usage.output_tokens;
    expect(output).toBeLessThan(100);
    const { response: after } = await client.messages
      .create(messageParams({ max_tokens: 10 }))
      .withResponse();
    expect(after.headers.get("anthropic-ratelimit-output-tokens-remaining")).toBe("100000");
  });

  it("turns away a request whose reservation does not fit while another holds the bucket", async () => {
    const { emu, client } = await start({
      limits: { outputTokensPerMinute: 1000 },
      latency: { firstTokenMs: 3000 }, // holds the first request long enough on a loaded machine
    });
    const held = await client.messages.create({ ...messageParams({ max_tokens: 600 }), stream: true });
    const events = held[Symbol.asyncIterator]();
    expect((await events.next()).value?.type).toBe("message_start"); // admitted; now generating
    emu.configure({ latency: { firstTokenMs: 0 } });
    const error = await rejectionOf(client.messages.create(messageParams({ max_tokens: 600 })));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.apiMessage).toContain("output tokens per minute");
    while (!(await events.next()).done) {
      // drain the held stream: it ends with far fewer than 600 tokens
    }
    await expect(client.messages.create(messageParams({ max_tokens: 600 }))).resolves.toMatchObject({
      type: "message",
    });
    expect(emu.stats()).toMatchObject({ admitted: 2, rateLimited: 1 });
  });

  it("can never admit a max_tokens above the limit, even with a full bucket", async () => {
    const { emu, client } = await start({ limits: { outputTokensPerMinute: 1000 } });
    const error = await rejectionOf(client.messages.create(messageParams({ max_tokens: 1001 })));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.apiMessage).toContain("can never be admitted");
    expect(emu.stats().admitted).toBe(0);
  });
});

describe("concurrency", () => {
  it("answers 529 overloaded_error when maxConcurrency requests are generating", async () => {
    const { emu, client } = await start({ limits: { maxConcurrency: 1 } });
    emu.failNext("slow", { delayMs: 600_000 });
    const abort = new AbortController();
    const held = client.messages.create(messageParams(), { signal: abort.signal }).catch((error) => error);
    await until(() => emu.stats().generating === 1);
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error.type).toBe("overloaded_error");
    abort.abort();
    expect(await held).toBeInstanceOf(Anthropic.APIUserAbortError);
    await until(() => emu.stats().generating === 0);
    await expect(client.messages.create(messageParams())).resolves.toMatchObject({ type: "message" });
    expect(emu.stats()).toMatchObject({ overloaded: 1, byStatus: { 529: 1, 200: 1 } });
  });

  it("records the high-water mark of requests in flight", async () => {
    const { emu, client } = await start({});
    emu.failNext("slow", { count: 5, delayMs: 600_000 });
    const abort = new AbortController();
    const pending = Array.from({ length: 5 }, () =>
      client.messages.create(messageParams(), { signal: abort.signal }).catch(() => undefined),
    );
    await until(() => emu.stats().inFlight === 5);
    expect(emu.stats().maxConcurrent).toBe(5);
    abort.abort();
    await Promise.all(pending);
    await until(() => emu.stats().inFlight === 0);
    expect(emu.stats().maxConcurrent).toBe(5);
  });
});

describe("reset and configure", () => {
  it("reset() zeroes the counters and refills the buckets", async () => {
    const { emu, client } = await start({ limits: { requestsPerMinute: 1 } });
    await client.messages.create(messageParams());
    expect(await statusOf(client.messages.create(messageParams()))).toBe(429);
    emu.reset();
    expect(emu.stats()).toMatchObject({ requests: 0, admitted: 0, rateLimited: 0, byStatus: {} });
    expect(await statusOf(client.messages.create(messageParams()))).toBe(200);
  });

  it("configure() changes limits live, and undefined lifts a limit", async () => {
    const { emu, client } = await start({});
    emu.configure({ limits: { requestsPerMinute: 1 } });
    expect(await statusOf(client.messages.create(messageParams()))).toBe(200);
    expect(await statusOf(client.messages.create(messageParams()))).toBe(429);
    emu.configure({ limits: { requestsPerMinute: undefined } });
    expect(await statusOf(client.messages.create(messageParams()))).toBe(200);
    expect(emu.options.limits.requestsPerMinute).toBeUndefined();
    expect(() => emu.configure({ port: emu.port + 1 })).toThrow(/cannot change/);
  });
});

describe("rateLimitHeaders: false (cloud-reseller / local-server mode)", () => {
  it("sends no rate-limit, retry-after or request-id headers, but the same limits and bodies", async () => {
    const { client } = await start({ rateLimitHeaders: false, limits: { requestsPerMinute: 1 } });
    const { response } = await client.messages.create(messageParams()).withResponse();
    const names = [...response.headers.keys()];
    expect(names.filter((name) => name.startsWith("anthropic-ratelimit"))).toEqual([]);
    expect(response.headers.get("request-id")).toBeNull();
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.headers.get("retry-after")).toBeNull();
    expect(
      [...error.headers.keys()].filter((name: string) => name.startsWith("anthropic-ratelimit")),
    ).toEqual([]);
  });
});

describe("latency", () => {
  it("waits time-to-first-token + per-token time, divided by timeScale", async () => {
    // 20 provider seconds to the first token, at timeScale 100: 200 real ms.
    const { client } = await start({
      latency: { firstTokenMs: 20_000, perOutputTokenMs: 100 },
      timeScale: 100,
    });
    let started = Date.now();
    const message = await client.messages.create(messageParams());
    expect(Date.now() - started).toBeGreaterThanOrEqual(190 + message.usage.output_tokens - 5);

    started = Date.now();
    const stream = await client.messages.create({ ...messageParams(), stream: true });
    let firstText = 0;
    for await (const event of stream) {
      if (event.type === "content_block_delta" && firstText === 0) firstText = Date.now() - started;
    }
    expect(firstText).toBeGreaterThanOrEqual(190);
  });
});
