import { startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchAnthropicModel } from "./__fixtures__/fetch-anthropic-model.js";
import { callLlm } from "./call.js";
import { registerProvider, resetDefaultModel, resolveDefaultModel } from "./default-model.js";
import { ConnectionError, isLlmError } from "./errors.js";
import type { LlmLimiter, LlmLimiterTaskContext, ProviderFeedback } from "./limiter.js";
import { withLimiter } from "./limiter.js";
import type { ChatModel } from "./model.js";
import { describeConformance, runConformance, type StartEmulator } from "./testing.js";

// The kit end to end: a minimal fetch-based Anthropic adapter against the real emulator over HTTP.
// The emulator is a devDependency consumed through its build (turbo builds it before this package's
// typecheck and test). A missing build fails this file loudly: a suite that skips itself when its
// server is absent would pass while testing nothing.

describeConformance({
  name: "fetch-anthropic fixture",
  test: { describe, it, beforeAll, afterAll },
  startEmulator,
  createModel: (url, { apiKey, modelId }) =>
    createFetchAnthropicModel({ baseURL: url, apiKey, model: modelId }),
});

describe("the kit against the emulator catches broken adapters", () => {
  it("flags transport retries that ignore transportRetries: 0", async () => {
    const report = await runConformance({
      name: "retries-anyway",
      startEmulator,
      createModel: (url, { apiKey, modelId }) => {
        const model = createFetchAnthropicModel({ baseURL: url, apiKey, model: modelId });
        const retryOnce = async <T>(call: () => Promise<T>): Promise<T> => {
          try {
            return await call();
          } catch (error) {
            if (isLlmError(error) && error.retryable) return call();
            throw error;
          }
        };
        return {
          ...model,
          generate: (request) => retryOnce(() => model.generate(request)),
        } satisfies ChatModel;
      },
    });
    const failed = Object.fromEntries(
      report.results.filter((r) => r.status === "failed").map((r) => [r.id, r.reason]),
    );
    expect(failed["transport-retries-zero"]).toContain("HTTP requests sent");
    expect(failed["error-overloaded"]).toContain("resolved");
    expect(failed["error-authentication"]).toBeUndefined();
  }, 60_000);

  it("flags errors that are not mapped to the typed classes, and missing HTTP info", async () => {
    const report = await runConformance({
      name: "leaky",
      startEmulator,
      createModel: (url, { apiKey, modelId }) => {
        const model = createFetchAnthropicModel({ baseURL: url, apiKey, model: modelId });
        return {
          ...model,
          async generate(request) {
            try {
              const { http: _dropped, ...response } = await model.generate(request);
              return response;
            } catch (error) {
              throw new Error(`request failed: ${(error as Error).message}`);
            }
          },
        } satisfies ChatModel;
      },
    });
    const failed = Object.fromEntries(
      report.results.filter((r) => r.status === "failed").map((r) => [r.id, r.reason]),
    );
    expect(failed["error-rate-limit"]).toContain("non-LlmError");
    expect(failed["http-headers"]).toContain("response.http is missing");
    expect(failed.streaming).toBeUndefined();
  }, 60_000);

  it("flags an adapter that cannot tell connection faults apart", async () => {
    // Every connection failure reported the same way, as adapters did before requestOutcome.
    const blur = (error: unknown) =>
      isLlmError(error, "connection") ? new ConnectionError({ message: error.message }) : error;
    const report = await runConformance({
      name: "blurry",
      startEmulator,
      createModel: (url, { apiKey, modelId }) => {
        const model = createFetchAnthropicModel({ baseURL: url, apiKey, model: modelId });
        return {
          ...model,
          generate: (request) =>
            model.generate(request).catch((error: unknown) => Promise.reject(blur(error))),
        } satisfies ChatModel;
      },
    });
    const failed = Object.fromEntries(
      report.results.filter((r) => r.status === "failed").map((r) => [r.id, r.reason]),
    );
    expect(failed["fault-connection-refused"]).toContain("requestOutcome");
    expect(failed["fault-reset-before-response"]).toContain("requestOutcome");
    expect(failed["fault-reset-after-response-head"]).toContain("requestOutcome");
    // Streams were left alone, and the statuses still map.
    expect(failed["fault-stream-cut"]).toBeUndefined();
    expect(failed["error-overloaded"]).toBeUndefined();
  }, 60_000);
});

describe("withLimiter and the default model over real HTTP", () => {
  let emu: Awaited<ReturnType<StartEmulator>>;
  beforeAll(async () => {
    emu = await startEmulator();
    emu.configure({
      limits: {
        requestsPerMinute: 1000,
        inputTokensPerMinute: 1_000_000,
        outputTokensPerMinute: 1_000_000,
      },
    });
  });
  afterAll(() => emu.close());

  it("reports real usage and the provider's rate-limit headers and errors to the limiter", async () => {
    emu.reset();
    const reported: { inputTokens?: number; outputTokens?: number }[] = [];
    const observed: ProviderFeedback[] = [];
    const limiter: LlmLimiter = {
      run: <T>(task: (context: LlmLimiterTaskContext) => Promise<T>) =>
        task({ signal: new AbortController().signal, reportUsage: (usage) => void reported.push(usage) }),
      observe: (feedback) => void observed.push(feedback),
    };
    const model = withLimiter(
      createFetchAnthropicModel({ baseURL: emu.url, apiKey: "k", model: "claude-haiku-4-5" }),
      limiter,
    );
    for (const text of ["Summarize: One river. Two rivers.", "Summarize: Three seas are salty."]) {
      await callLlm(text, { model, maxTokens: 100 });
    }
    const stats = emu.stats();
    expect(reported.reduce((sum, usage) => sum + (usage.inputTokens ?? 0), 0)).toBe(stats.inputTokens);
    expect(reported.reduce((sum, usage) => sum + (usage.outputTokens ?? 0), 0)).toBe(stats.outputTokens);
    expect(observed[0]?.status).toBe(200);
    expect(observed[0]?.headers?.["anthropic-ratelimit-requests-limit"]).toBe("1000");

    emu.failNext("rate_limit", { retryAfterSeconds: 2 });
    await expect(callLlm("Summarize: x.", { model })).rejects.toMatchObject({ code: "rate_limited" });
    expect(observed.at(-1)).toMatchObject({
      status: 429,
      retryAfterMs: 2000,
      errorType: "rate_limit_error",
    });
  });

  it("callLlm reaches a registered provider chosen by ANTHROPIC_API_KEY", async () => {
    const unregister = registerProvider("anthropic", ({ env, modelId }) =>
      createFetchAnthropicModel({
        baseURL: emu.url,
        apiKey: env.ANTHROPIC_API_KEY ?? "",
        model: modelId ?? "claude-haiku-4-5",
      }),
    );
    const saved = process.env.ANTHROPIC_API_KEY;
    try {
      process.env.ANTHROPIC_API_KEY = "sk-emulated";
      expect(resolveDefaultModel().source).toBe("ANTHROPIC_API_KEY");
      emu.reset();
      const text = await callLlm(
        "Summarize: The emulator answers with an extract of the prompt. It is deterministic.",
      );
      expect(text.length).toBeGreaterThan(0);
      expect(emu.stats().requests).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
      unregister();
      resetDefaultModel();
    }
  });
});
