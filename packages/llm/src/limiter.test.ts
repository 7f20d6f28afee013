import { describe, expect, it } from "vitest";
import {
  AbortedError,
  ConnectionError,
  isLlmError,
  OverloadedError,
  RateLimitError,
  RequestTimeoutError,
} from "./errors.js";
import { TokenEstimator } from "./estimate.js";
import {
  FEEDBACK_OBSERVED,
  type LlmLimiter,
  type LlmLimiterRunOptions,
  type LlmLimiterTaskContext,
  type ProviderFeedback,
  withLimiter,
} from "./limiter.js";
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from "./model.js";

const ok = (text = "Hello world"): ChatResponse => ({
  text,
  usage: { inputTokens: 40, outputTokens: 5, cacheReadInputTokens: 100, cacheCreationInputTokens: 10 },
  stopReason: "end_turn",
  model: "test-model",
  requestId: "req_1",
  http: { status: 200, headers: { "anthropic-ratelimit-requests-remaining": "49" } },
});

type Step = ChatResponse | Error | { readonly events: readonly (ChatStreamEvent | Error)[] };

/** A model that plays back a script of outcomes and records what it was asked. */
function scriptedModel(...steps: Step[]) {
  const requests: ChatRequest[] = [];
  const next = (request: ChatRequest): Step => {
    requests.push(request);
    const step = steps.shift();
    if (!step) throw new Error("script exhausted");
    return step;
  };
  const model: ChatModel = {
    specificationVersion: "v1",
    provider: "test",
    modelId: "test-model",
    async generate(request) {
      const step = next(request);
      if (step instanceof Error) throw step;
      if ("events" in step) throw new Error("expected generate");
      return step;
    },
    async *stream(request) {
      const step = next(request);
      if (step instanceof Error) throw step;
      if (!("events" in step)) throw new Error("expected stream");
      for (const event of step.events) {
        if (event instanceof Error) throw event;
        request.signal?.throwIfAborted();
        yield event;
        await new Promise((resolve) => setImmediate(resolve));
        if (request.signal?.aborted) throw new AbortedError();
      }
    },
  };
  return { model, requests };
}

/** A limiter in the shape of @sluice/throttle: admission, optional retries, reportUsage and observe. */
class FakeLimiter implements LlmLimiter {
  readonly runs: (LlmLimiterRunOptions | undefined)[] = [];
  readonly reported: unknown[] = [];
  readonly observed: ProviderFeedback[] = [];
  readonly contexts: AbortController[] = [];
  gate: Promise<void> | undefined;

  constructor(private readonly maxAttempts = 1) {}

  async run<T>(
    task: (context: LlmLimiterTaskContext) => Promise<T>,
    options?: LlmLimiterRunOptions,
  ): Promise<T> {
    this.runs.push(options);
    if (this.gate) {
      await Promise.race([
        this.gate,
        new Promise((_, reject) =>
          options?.signal?.addEventListener("abort", () => reject(new Error("removed from queue"))),
        ),
      ]);
    }
    for (let attempt = 1; ; attempt += 1) {
      const controller = new AbortController();
      this.contexts.push(controller);
      try {
        return await task({
          signal: controller.signal,
          attempt,
          reportUsage: (usage) => this.reported.push(usage),
        });
      } catch (error) {
        if (attempt < this.maxAttempts && (error as { retryable?: boolean }).retryable) continue;
        throw error;
      }
    }
  }

  observe(feedback: ProviderFeedback): void {
    this.observed.push(feedback);
  }
}

const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content: "Summarize: the river drops its silt where it slows down." }],
  maxTokens: 300,
  ...extra,
});

describe("withLimiter: generate", () => {
  it("reserves the estimate and maxTokens, runs with transportRetries 0, reports real usage", async () => {
    const { model, requests } = scriptedModel(ok());
    const limiter = new FakeLimiter();
    const estimator = new TokenEstimator();
    const limited = withLimiter(model, limiter, { estimator });
    const expectedEstimate = estimator.estimate(request());

    const response = await limited.generate(request());

    expect(response.text).toBe("Hello world");
    expect(limited).toMatchObject({ specificationVersion: "v1", provider: "test", modelId: "test-model" });
    expect(limiter.runs[0]?.cost).toEqual({ requests: 1, inputTokens: expectedEstimate, outputTokens: 300 });
    expect(requests[0]?.transportRetries).toBe(0);
    expect(requests[0]?.signal).toBeInstanceOf(AbortSignal);
    // Rate limits count cache writes as input but not cache reads.
    expect(limiter.reported).toEqual([{ inputTokens: 50, outputTokens: 5 }]);
    expect(limiter.observed).toEqual([
      { status: 200, headers: { "anthropic-ratelimit-requests-remaining": "49" } },
    ]);
    expect(estimator.observed).toBe(1);
    expect(estimator.ratio).toBeGreaterThan(1);
  });

  it("passes extra run options and the caller's signal to the limiter", async () => {
    const { model } = scriptedModel(ok());
    const limiter = new FakeLimiter();
    const signal = new AbortController().signal;
    await withLimiter(model, limiter, { runOptions: { priority: "high" } }).generate(request({ signal }));
    expect(limiter.runs[0]).toMatchObject({ priority: "high", signal });
  });

  it("observes a failure's status, headers and codes once, marks it, and rethrows it", async () => {
    const failure = new RateLimitError({
      status: 429,
      headers: { "retry-after": "2" },
      retryAfterMs: 2000,
      errorType: "rate_limit_error",
      errorCode: "ramp_limit_exceeded",
    });
    const { model } = scriptedModel(failure);
    const limiter = new FakeLimiter();
    await expect(withLimiter(model, limiter).generate(request())).rejects.toBe(failure);
    expect(limiter.observed).toEqual([
      {
        status: 429,
        headers: { "retry-after": "2" },
        retryAfterMs: 2000,
        errorType: "rate_limit_error",
        errorCode: "ramp_limit_exceeded",
        retryable: true,
      },
    ]);
    expect((failure as unknown as Record<symbol, unknown>)[FEEDBACK_OBSERVED]).toBe(true);
    expect(limiter.reported).toEqual([]);
  });

  it("passes the adapter's verdict, so a bare 429 is not mistaken for a spend cap", async () => {
    const bare = new RateLimitError({ status: 429 });
    const { model } = scriptedModel(bare);
    const limiter = new FakeLimiter();
    await expect(withLimiter(model, limiter).generate(request())).rejects.toBe(bare);
    expect(limiter.observed).toEqual([{ status: 429, retryable: true }]);
  });

  it("leaves failures to the limiter when observeErrors is false", async () => {
    const { model } = scriptedModel(new OverloadedError({ status: 529 }));
    const limiter = new FakeLimiter();
    await expect(withLimiter(model, limiter, { observeErrors: false }).generate(request())).rejects.toThrow();
    expect(limiter.observed).toEqual([]);
  });

  it("lets the limiter retry: each attempt is a fresh call with transportRetries 0", async () => {
    const { model, requests } = scriptedModel(
      new OverloadedError({ status: 529 }),
      new OverloadedError({ status: 529 }),
      ok(),
    );
    const limiter = new FakeLimiter(3);
    const response = await withLimiter(model, limiter).generate(request());
    expect(response.text).toBe("Hello world");
    expect(requests.map((r) => r.transportRetries)).toEqual([0, 0, 0]);
    expect(limiter.observed.map((f) => f.status)).toEqual([529, 529, 200]);
    expect(limiter.runs).toHaveLength(1);
  });

  it("rejects with AbortedError when the caller aborts while the call waits for admission", async () => {
    const { model, requests } = scriptedModel(ok());
    const limiter = new FakeLimiter();
    limiter.gate = new Promise(() => {});
    const controller = new AbortController();
    const pending = withLimiter(model, limiter).generate(request({ signal: controller.signal }));
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(isLlmError(error, "aborted")).toBe(true);
    expect(requests).toHaveLength(0);
  });

  it("hands the limiter's cancellation to the model", async () => {
    let seen: AbortSignal | undefined;
    const model: ChatModel = {
      ...scriptedModel().model,
      generate: (req) =>
        new Promise((_, reject) => {
          seen = req.signal;
          req.signal?.addEventListener("abort", () => reject(new AbortedError()));
        }),
    };
    const limiter = new FakeLimiter();
    const pending = withLimiter(model, limiter).generate(request());
    await new Promise((resolve) => setImmediate(resolve));
    limiter.contexts[0]?.abort();
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
    expect(seen?.aborted).toBe(true);
  });

  it("validates the request before reserving capacity", async () => {
    const limiter = new FakeLimiter();
    const limited = withLimiter(scriptedModel().model, limiter);
    await expect(limited.generate({ messages: [], maxTokens: 10 })).rejects.toMatchObject({
      code: "invalid_request",
    });
    const iterator = limited
      .stream({ messages: [{ role: "user", content: "x" }], maxTokens: 0 })
      [Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow(/maxTokens/);
    expect(limiter.runs).toHaveLength(0);
  });

  it("works with a bare limiter that has only run (core's Limiter)", async () => {
    const { model } = scriptedModel(ok());
    const bare = {
      run: <T>(task: (context: { signal: AbortSignal }) => Promise<T>) =>
        task({ signal: new AbortController().signal }),
    };
    expect((await withLimiter(model, bare).generate(request())).text).toBe("Hello world");
  });

  it("refuses something that is not a limiter", () => {
    expect(() => withLimiter(scriptedModel().model, {} as LlmLimiter)).toThrow(/run\(task, options\)/);
  });
});

describe("withLimiter: stream", () => {
  const done = ok("Hello world");

  it("forwards events, holds the slot until done, and reports usage", async () => {
    const { model, requests } = scriptedModel({
      events: [
        { type: "text", text: "Hello " },
        { type: "usage", usage: { inputTokens: 40 } },
        { type: "text", text: "world" },
        { type: "done", response: done },
      ],
    });
    const limiter = new FakeLimiter();
    const seen: ChatStreamEvent[] = [];
    for await (const event of withLimiter(model, limiter).stream(request())) seen.push(event);
    expect(seen.map((event) => event.type)).toEqual(["text", "usage", "text", "done"]);
    expect(requests[0]?.transportRetries).toBe(0);
    expect(limiter.reported).toEqual([{ inputTokens: 50, outputTokens: 5 }]);
    expect(limiter.observed).toHaveLength(1);
  });

  it("does not start before the consumer iterates", async () => {
    const limiter = new FakeLimiter();
    withLimiter(scriptedModel().model, limiter).stream(request());
    await new Promise((resolve) => setImmediate(resolve));
    expect(limiter.runs).toHaveLength(0);
  });

  it("aborts the model's stream when the consumer stops early", async () => {
    const { model, requests } = scriptedModel({
      events: [
        { type: "text", text: "a" },
        { type: "text", text: "b" },
        { type: "text", text: "c" },
        { type: "done", response: done },
      ],
    });
    for await (const event of withLimiter(model, new FakeLimiter()).stream(request())) {
      expect(event).toEqual({ type: "text", text: "a" });
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(requests[0]?.signal?.aborted).toBe(true);
  });

  it("never replays text: a limiter retry after partial output gets the original failure", async () => {
    const failure = new OverloadedError({ errorType: "overloaded_error" });
    const { model, requests } = scriptedModel(
      { events: [{ type: "text", text: "Hel" }, failure] },
      { events: [{ type: "done", response: done }] },
    );
    const limiter = new FakeLimiter(3);
    const texts: string[] = [];
    const error = await (async () => {
      for await (const event of withLimiter(model, limiter).stream(request()))
        if (event.type === "text") texts.push(event.text);
    })().catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(texts).toEqual(["Hel"]);
    expect(requests).toHaveLength(1);
  });

  it("retries a stream that failed before any text", async () => {
    const { model, requests } = scriptedModel(new OverloadedError({ status: 529 }), {
      events: [
        { type: "text", text: "ok" },
        { type: "done", response: ok("ok") },
      ],
    });
    const texts: string[] = [];
    for await (const event of withLimiter(model, new FakeLimiter(2)).stream(request()))
      if (event.type === "text") texts.push(event.text);
    expect(texts).toEqual(["ok"]);
    expect(requests).toHaveLength(2);
  });
});

describe("withLimiter: rate-limit accounting", () => {
  // 40 fresh input + 10 cache writes + 100 cache reads, 5 output: far below the 300 reserved.
  const chargeReserved = (...steps: Step[]) => {
    const scripted = scriptedModel(...steps);
    return { ...scripted, model: { ...scripted.model, rateLimitAccounting: "charge-reserved" as const } };
  };

  it("refund-unused (the default) reserves input plus output and reports the real usage", async () => {
    const { model } = scriptedModel(ok());
    const limiter = new FakeLimiter();
    const limited = withLimiter(model, limiter);
    await limited.generate(request());
    expect(limiter.runs[0]?.cost).not.toHaveProperty("tokens");
    expect(limiter.reported).toEqual([{ inputTokens: 50, outputTokens: 5 }]);
    expect(limited).not.toHaveProperty("rateLimitAccounting");
  });

  it("charge-reserved reserves max(maxTokens, estimate) as tokens and never reports less", async () => {
    const { model } = chargeReserved(ok());
    const limiter = new FakeLimiter();
    const estimator = new TokenEstimator();
    const limited = withLimiter(model, limiter, { estimator });
    const estimate = estimator.estimate(request());
    expect(estimate).toBeLessThan(300);

    await limited.generate(request());

    expect(limiter.runs[0]?.cost).toEqual({
      requests: 1,
      inputTokens: estimate,
      outputTokens: 300,
      tokens: 300,
    });
    // The server kept all 300; input and output are still reported as they were.
    expect(limiter.reported).toEqual([{ inputTokens: 50, outputTokens: 5, tokens: 300 }]);
    expect(limited.rateLimitAccounting).toBe("charge-reserved");
  });

  it("charge-reserved reserves the estimate when the prompt outweighs maxTokens, and the real prompt when larger", async () => {
    const big: ChatResponse = {
      ...ok(),
      usage: { inputTokens: 900, outputTokens: 3, cacheReadInputTokens: 200, cacheCreationInputTokens: 0 },
    };
    const { model } = chargeReserved(big);
    const limiter = new FakeLimiter();
    const estimator = new TokenEstimator();
    const prompt = request({ maxTokens: 10, messages: [{ role: "user", content: "word ".repeat(400) }] });
    const estimate = estimator.estimate(prompt);
    expect(estimate).toBeGreaterThan(10);
    expect(estimate).toBeLessThan(1_100);

    await withLimiter(model, limiter, { estimator }).generate(prompt);

    expect(limiter.runs[0]?.cost).toMatchObject({ tokens: estimate });
    expect(limiter.reported).toEqual([{ inputTokens: 900, outputTokens: 3, tokens: 1_100 }]);
  });

  it("charge-reserved streams report the same way", async () => {
    const { model } = chargeReserved({ events: [{ type: "done", response: ok() }] });
    const limiter = new FakeLimiter();
    for await (const _event of withLimiter(model, limiter).stream(request())) {
      // drain
    }
    expect(limiter.runs[0]?.cost).toMatchObject({ tokens: 300 });
    expect(limiter.reported).toEqual([{ inputTokens: 50, outputTokens: 5, tokens: 300 }]);
  });

  it("a failed call reports nothing, so the limiter keeps the whole reservation", async () => {
    const { model } = chargeReserved(new OverloadedError({ status: 503 }));
    const limiter = new FakeLimiter();
    await expect(withLimiter(model, limiter).generate(request())).rejects.toMatchObject({
      code: "overloaded",
    });
    expect(limiter.runs[0]?.cost).toMatchObject({ tokens: 300 });
    expect(limiter.reported).toEqual([]);
  });

  it("the option overrides the model's declaration, and the wrapped model carries it on", async () => {
    const { model } = chargeReserved(ok());
    const limiter = new FakeLimiter();
    const limited = withLimiter(model, limiter, { rateLimitAccounting: "refund-unused" });
    await limited.generate(request());
    expect(limiter.reported).toEqual([{ inputTokens: 50, outputTokens: 5 }]);
    expect(limited.rateLimitAccounting).toBe("refund-unused");
    expect(
      withLimiter(scriptedModel().model, limiter, { rateLimitAccounting: "charge-reserved" }),
    ).toMatchObject({
      rateLimitAccounting: "charge-reserved",
    });
  });

  it("refuses an unknown accounting with a configuration error", () => {
    const model = { ...scriptedModel().model, rateLimitAccounting: "refund-all" } as unknown as ChatModel;
    let caught: unknown;
    try {
      withLimiter(model, new FakeLimiter());
    } catch (error) {
      caught = error;
    }
    expect(isLlmError(caught, "configuration")).toBe(true);
    expect((caught as Error).message).toMatch(
      /rateLimitAccounting must be "refund-unused" or "charge-reserved"/,
    );
  });
});

describe("withLimiter: failed attempts settle the reservation by their outcome", () => {
  const chargeReserved = (...steps: Step[]) => {
    const scripted = scriptedModel(...steps);
    return { ...scripted, model: { ...scripted.model, rateLimitAccounting: "charge-reserved" as const } };
  };
  const reserved = (limiter: FakeLimiter) =>
    limiter.runs[0]?.cost as { inputTokens: number; tokens?: number };

  it("nothing reached the server: reports zero of everything", async () => {
    const refused = new ConnectionError({ requestOutcome: "not_sent", transportFailure: "refused" });
    const { model } = scriptedModel(refused);
    const limiter = new FakeLimiter();
    await expect(withLimiter(model, limiter).generate(request())).rejects.toBe(refused);
    expect(limiter.reported).toEqual([{ requests: 0, inputTokens: 0, outputTokens: 0 }]);
    // A connection failure has no status, but the limiter still learns what kind it was.
    expect(limiter.observed).toEqual([{ retryable: true, transportFailure: "refused" }]);
  });

  it("an error status with nothing generated: one request and the reserved input, no output", async () => {
    const overloaded = new OverloadedError({ status: 529, requestOutcome: "refused" });
    const { model } = scriptedModel(overloaded);
    const limiter = new FakeLimiter();
    await expect(withLimiter(model, limiter).generate(request())).rejects.toBe(overloaded);
    expect(limiter.reported).toEqual([
      { requests: 1, inputTokens: reserved(limiter).inputTokens, outputTokens: 0 },
    ]);
  });

  it("charge-reserved: a refused call keeps its combined tokens, a call never sent gives them back", async () => {
    const { model } = chargeReserved(
      new RateLimitError({ status: 429, requestOutcome: "refused" }),
      new ConnectionError({ requestOutcome: "not_sent", transportFailure: "refused" }),
    );
    const limiter = new FakeLimiter();
    const limited = withLimiter(model, limiter);
    await expect(limited.generate(request())).rejects.toMatchObject({ code: "rate_limited" });
    await expect(limited.generate(request())).rejects.toMatchObject({ code: "connection" });
    const { inputTokens, tokens } = reserved(limiter);
    expect(tokens).toBe(300);
    expect(limiter.reported).toEqual([
      { requests: 1, inputTokens, outputTokens: 0, tokens: 300 },
      { requests: 0, inputTokens: 0, outputTokens: 0, tokens: 0 },
    ]);
  });

  it("an unknown outcome reports nothing: the whole reservation counts as spent", async () => {
    const reset = new ConnectionError({ requestOutcome: "unknown", transportFailure: "reset_after_request" });
    const { model } = scriptedModel(
      reset,
      new RequestTimeoutError({ timeoutMs: 5, requestOutcome: "unknown" }),
    );
    const limiter = new FakeLimiter();
    const limited = withLimiter(model, limiter);
    await expect(limited.generate(request())).rejects.toBe(reset);
    await expect(limited.generate(request())).rejects.toMatchObject({ code: "timeout" });
    expect(limiter.reported).toEqual([]);
    expect(limiter.observed).toEqual([{ retryable: true, transportFailure: "reset_after_request" }]);
  });

  it("a stream cut after the server reported its input reports that input and keeps the output reserved", async () => {
    const cut = new ConnectionError({ requestOutcome: "unknown", transportFailure: "stream_cut" });
    const { model } = scriptedModel({
      events: [
        { type: "usage", usage: { inputTokens: 37, cacheCreationInputTokens: 3, cacheReadInputTokens: 9 } },
        { type: "text", text: "Half an ans" },
        cut,
      ],
    });
    const limiter = new FakeLimiter();
    const events: ChatStreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of withLimiter(model, limiter).stream(request())) events.push(event);
      })(),
    ).rejects.toBe(cut);
    expect(events.map((event) => event.type)).toEqual(["usage", "text"]);
    expect(limiter.reported).toEqual([{ requests: 1, inputTokens: 40, outputTokens: 300 }]);
  });

  it("a stream cut before any usage reports nothing", async () => {
    const cut = new ConnectionError({ requestOutcome: "unknown", transportFailure: "stream_cut" });
    const { model } = scriptedModel({ events: [{ type: "text", text: "Half" }, cut] });
    const limiter = new FakeLimiter();
    await expect(
      (async () => {
        for await (const _event of withLimiter(model, limiter).stream(request())) {
          // drain
        }
      })(),
    ).rejects.toBe(cut);
    expect(limiter.reported).toEqual([]);
  });

  it("each retried attempt settles on its own", async () => {
    const { model } = scriptedModel(
      new ConnectionError({ requestOutcome: "not_sent", transportFailure: "refused" }),
      new OverloadedError({ status: 529, requestOutcome: "refused" }),
      ok(),
    );
    const limiter = new FakeLimiter(3);
    await withLimiter(model, limiter).generate(request());
    expect(limiter.reported).toEqual([
      { requests: 0, inputTokens: 0, outputTokens: 0 },
      { requests: 1, inputTokens: reserved(limiter).inputTokens, outputTokens: 0 },
      { inputTokens: 50, outputTokens: 5 },
    ]);
  });
});

// Compile-time checks: the limiters of the other packages fit `LlmLimiter` structurally.
interface CoreLimiter {
  run<T>(
    task: (context: { readonly signal: AbortSignal }) => Promise<T>,
    options?: {
      readonly signal?: AbortSignal;
      readonly cost?: { readonly [dimension: string]: number | undefined };
    },
  ): Promise<T>;
}
interface ThrottleLike {
  run<T>(
    task: (context: {
      readonly signal: AbortSignal;
      readonly attempt: number;
      reportUsage(actual: { inputTokens?: number; outputTokens?: number; tokens?: number }): void;
    }) => Promise<T>,
    options?: {
      cost?: {
        requests?: number;
        inputTokens?: number;
        outputTokens?: number;
        tokens?: number;
        [k: string]: number | undefined;
      };
      signal?: AbortSignal;
      priority?: number | "high" | "normal" | "low";
      deadline?: number;
    },
  ): Promise<T>;
  observe(feedback: {
    status?: number;
    headers?: Headers | Record<string, string | string[] | undefined>;
    errorType?: string;
    errorCode?: string;
    retryAfterMs?: number;
  }): void;
}
export const coreFits = (limiter: CoreLimiter): LlmLimiter => limiter;
export const throttleFits = (limiter: ThrottleLike): LlmLimiter => limiter;
