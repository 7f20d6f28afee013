import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidOptionError } from "./errors.js";
import { type Emulator, startEmulator } from "./server.js";
import { anthropicClient, messageParams, rejectionOf } from "./test-support.js";

let emu: Emulator;
let client: Anthropic;

beforeAll(async () => {
  emu = await startEmulator({ limits: { requestsPerMinute: 1000, inputTokensPerMinute: 100_000 } });
  client = anthropicClient(emu);
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe("failNext: each fault surfaces as the SDK's typed error", () => {
  it.each([
    ["overloaded", Anthropic.OverloadedError, 529, "overloaded_error", null],
    ["server_error", Anthropic.InternalServerError, 500, "api_error", null],
    ["authentication", Anthropic.AuthenticationError, 401, "authentication_error", null],
    ["permission", Anthropic.PermissionDeniedError, 403, "permission_error", null],
    ["invalid_request", Anthropic.BadRequestError, 400, "invalid_request_error", null],
    ["context_length", Anthropic.BadRequestError, 400, "invalid_request_error", "prompt_too_long"],
    ["not_found", Anthropic.NotFoundError, 404, "not_found_error", null],
    ["insufficient_quota", Anthropic.PaymentRequiredError, 402, "billing_error", null],
  ] as const)("%s → %o %i %s", async (kind, ErrorClass, status, type, errorCode) => {
    emu.failNext(kind);
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ status, type, errorCode });
    expect(error.error).toMatchObject({ type: "error", error: { type }, request_id: error.requestID });
    expect(error.requestID).toMatch(/^req_/);
    expect(emu.stats()).toMatchObject({ requests: 1, admitted: 0, byStatus: { [status]: 1 } });
    // The fault is used up: the next request succeeds.
    await expect(client.messages.create(messageParams())).resolves.toMatchObject({ type: "message" });
  });

  it("rate_limit → RateLimitError 429 with retry-after and the rate-limit headers", async () => {
    emu.failNext("rate_limit", { retryAfterSeconds: 7 });
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: "rate_limit_error", errorCode: null });
    expect(error.headers.get("retry-after")).toBe("7");
    expect(error.headers.get("anthropic-ratelimit-requests-limit")).toBe("1000");
    expect(emu.stats().rateLimited).toBe(1);
  });

  it("overloaded and server_error carry the rate-limit headers, which show nothing was charged", async () => {
    emu.failNext("overloaded");
    emu.failNext("server_error");
    for (const status of [529, 500]) {
      const error = await rejectionOf(client.messages.create(messageParams()));
      expect(error.status).toBe(status);
      expect(error.headers.get("anthropic-ratelimit-requests-limit")).toBe("1000");
      expect(error.headers.get("anthropic-ratelimit-requests-remaining")).toBe("1000");
    }
  });

  it("ramp_limit → RateLimitError with error code ramp_limit_exceeded and a retry-after", async () => {
    emu.failNext("ramp_limit");
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.errorCode).toBe("ramp_limit_exceeded");
    expect(error.headers.get("retry-after")).toBe("1");
  });

  it("spend_cap → RateLimitError with enforced_spend_limit_reached and no retry-after", async () => {
    emu.failNext("spend_cap");
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.errorCode).toBe("enforced_spend_limit_reached");
    expect(error.headers.get("retry-after")).toBeNull();
    expect(emu.stats().rateLimited).toBe(1);
  });

  it("connection_reset → APIConnectionError, no status recorded", async () => {
    emu.failNext("connection_reset");
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(emu.stats()).toMatchObject({ requests: 1, connectionResets: 1, byStatus: {} });
  });

  it("reset_after_answer → charged in full, then APIConnectionError: the answer is lost", async () => {
    emu.failNext("reset_after_answer", { count: 2 });
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    const streamed = await rejectionOf(
      (async () => {
        for await (const _event of await client.messages.create({ ...messageParams(), stream: true })) {
          // drain
        }
      })(),
    );
    expect(streamed).toBeInstanceOf(Error);
    const stats = emu.stats();
    expect(stats).toMatchObject({ requests: 2, admitted: 2, resetsAfterAnswer: 2, connectionResets: 0 });
    // Both were generated and charged: the output of two full answers.
    const answer = await client.messages.create(messageParams());
    expect(emu.stats().outputTokens - stats.outputTokens).toBe(answer.usage.output_tokens);
    expect(stats.outputTokens).toBe(2 * answer.usage.output_tokens);
  });

  it("stream_cut → half the body or stream, then the connection resets; half the output is charged", async () => {
    emu.failNext("stream_cut", { count: 2 });
    const jsonError = await rejectionOf(client.messages.create(messageParams()));
    expect(jsonError).toBeInstanceOf(Error);
    expect(jsonError).not.toBeInstanceOf(Anthropic.APIError); // no status: the body never completed
    let text = "";
    const streamError = await rejectionOf(
      (async () => {
        for await (const event of await client.messages.create({ ...messageParams(), stream: true })) {
          if (event.type === "content_block_delta" && event.delta.type === "text_delta")
            text += event.delta.text;
        }
      })(),
    );
    expect(streamError).toBeInstanceOf(Error);
    expect(text.length).toBeGreaterThan(0);
    const stats = emu.stats();
    expect(stats).toMatchObject({ admitted: 2, streamsCut: 2, byStatus: { 200: 2 } });
    const answer = await client.messages.create(messageParams());
    expect(text.length).toBeLessThan(
      answer.content.map((block) => (block.type === "text" ? block.text : "")).join("").length,
    );
    expect(stats.outputTokens).toBe(Math.ceil(answer.usage.output_tokens / 2) + Math.ceil(text.length / 4));
  });

  it("resetAfterAnswerRate and streamCutRate draw from their own sequence, leaving the others' alone", async () => {
    emu.configure({ faults: { resetAfterAnswerRate: 1 } });
    await expect(client.messages.create(messageParams())).rejects.toBeInstanceOf(
      Anthropic.APIConnectionError,
    );
    emu.configure({ faults: { resetAfterAnswerRate: 0, streamCutRate: 1 } });
    await expect(client.messages.create(messageParams())).rejects.toBeInstanceOf(Error);
    expect(emu.stats()).toMatchObject({ resetsAfterAnswer: 1, streamsCut: 1 });
    emu.configure({ faults: { streamCutRate: 0 } });
  });

  it("midstream_overloaded → HTTP 200, some text, then an APIError without status of type overloaded_error", async () => {
    emu.failNext("midstream_overloaded");
    const { data: stream, response } = await client.messages
      .create({ ...messageParams(), stream: true })
      .withResponse();
    expect(response.status).toBe(200);
    let text = "";
    const error = await rejectionOf(
      (async () => {
        for await (const event of stream) {
          if (event.type === "content_block_delta" && event.delta.type === "text_delta")
            text += event.delta.text;
        }
      })(),
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.status).toBeUndefined();
    expect(error.type).toBe("overloaded_error");
    expect(text.length).toBeGreaterThan(0);
    const stats = emu.stats();
    expect(stats).toMatchObject({ admitted: 1, midStreamErrors: 1, byStatus: { 200: 1 } });
    expect(stats.outputTokens).toBe(Math.ceil(text.length / 4));
  });

  it("midstream_overloaded on a non-streaming request is a plain 529", async () => {
    emu.failNext("midstream_overloaded");
    const error = await rejectionOf(client.messages.create(messageParams()));
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
  });

  it("malformed_json → a 200 whose body the SDK cannot parse, for JSON and for SSE", async () => {
    emu.failNext("malformed_json", { count: 2 });
    const quiet = anthropicClient(emu, { logLevel: "off" });
    const jsonError = await rejectionOf(quiet.messages.create(messageParams()));
    expect(jsonError).toBeInstanceOf(SyntaxError);
    const stream = await quiet.messages.create({ ...messageParams(), stream: true });
    const streamError = await rejectionOf(
      (async () => {
        for await (const _event of stream) {
          // drain
        }
      })(),
    );
    expect(streamError).toBeInstanceOf(SyntaxError);
    expect(emu.stats()).toMatchObject({ malformed: 2, byStatus: { 200: 2 } });
  });

  it("slow → the response waits delayMs / timeScale; a client timeout gives APIConnectionTimeoutError", async () => {
    emu.failNext("slow", { delayMs: 60_000 });
    const error = await rejectionOf(client.messages.create(messageParams(), { timeout: 300 }));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    // The abandoned request frees its slot and output reservation once the client has gone.
    await expect.poll(() => emu.stats().generating, { timeout: 10_000 }).toBe(0);

    emu.configure({ timeScale: 1000 });
    try {
      emu.failNext("slow", { delayMs: 150_000 }); // 150 ms of real time
      const started = Date.now();
      await client.messages.create(messageParams());
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      emu.configure({ timeScale: 1 });
    }
  });

  it("queues faults in order and counts them down", async () => {
    emu.failNext("overloaded", { count: 2 });
    emu.failNext("permission");
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const outcome = await client.messages.create(messageParams()).then(
        () => 200,
        (error: { status: number }) => error.status,
      );
      statuses.push(outcome);
    }
    expect(statuses).toEqual([529, 529, 403, 200]);
    expect(emu.stats().overloaded).toBe(2);
  });

  it("lets the SDK's own retries honour retry-after", async () => {
    emu.failNext("rate_limit", { count: 2, retryAfterSeconds: 0.01 });
    const retrying = anthropicClient(emu, { maxRetries: 2 });
    await expect(retrying.messages.create(messageParams())).resolves.toMatchObject({ type: "message" });
    expect(emu.stats()).toMatchObject({ requests: 3, rateLimited: 2, admitted: 1 });
  });

  it("refuses unknown kinds and bad counts", () => {
    expect(() => emu.failNext("meteor" as never)).toThrow(InvalidOptionError);
    expect(() => emu.failNext("overloaded", { count: 0 })).toThrow(/count/);
  });
});

describe("fault rates", () => {
  async function outcomes(seed: number, count: number): Promise<string[]> {
    const emulator = await startEmulator({
      seed,
      faults: { overloadedRate: 0.3, connectionResetRate: 0.1, malformedRate: 0.1 },
    });
    try {
      const sdk = anthropicClient(emulator, { logLevel: "off" });
      const results: string[] = [];
      for (let index = 0; index < count; index++) {
        results.push(
          await sdk.messages.create(messageParams()).then(
            () => "ok",
            (error: Error & { status?: number }) => error.status?.toString() ?? error.name,
          ),
        );
      }
      return results;
    } finally {
      await emulator.close();
    }
  }

  it("are drawn from the seeded generator: the same seed gives the same sequence", async () => {
    const first = await outcomes(42, 30);
    const second = await outcomes(42, 30);
    expect(second).toEqual(first);
    expect(first).toContain("ok");
    expect(first).toContain("529");
    expect(first).toContain("APIConnectionError");
    expect(first).toContain("SyntaxError");
  });

  it("midStreamErrorRate applies to streams only", async () => {
    emu.configure({ faults: { midStreamErrorRate: 1 } });
    try {
      await expect(client.messages.create(messageParams())).resolves.toMatchObject({ type: "message" });
      const stream = await client.messages.create({ ...messageParams(), stream: true });
      const error = await rejectionOf(
        (async () => {
          for await (const _event of stream) {
            // drain
          }
        })(),
      );
      expect(error.type).toBe("overloaded_error");
    } finally {
      emu.configure({ faults: { midStreamErrorRate: 0 } });
    }
  });
});

describe("apiKeys", () => {
  it("answers 401 authentication_error to unknown keys and accepts x-api-key or Bearer", async () => {
    const locked = await startEmulator({ apiKeys: ["sk-right"] });
    try {
      const wrong = await rejectionOf(
        anthropicClient(locked, { apiKey: "sk-wrong" }).messages.create(messageParams()),
      );
      expect(wrong).toBeInstanceOf(Anthropic.AuthenticationError);
      await expect(
        anthropicClient(locked, { apiKey: "sk-right" }).messages.create(messageParams()),
      ).resolves.toMatchObject({ type: "message" });
      const viaHeader = await fetch(`${locked.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": "sk-right", "content-type": "application/json" },
        body: JSON.stringify(messageParams()),
      });
      expect(viaHeader.status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
