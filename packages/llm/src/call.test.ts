import { afterEach, describe, expect, it } from "vitest";
import { callLlm, chat, DEFAULT_MAX_TOKENS } from "./call.js";
import { resetDefaultModel, setDefaultModel } from "./default-model.js";
import type { LlmLimiter, LlmLimiterRunOptions } from "./limiter.js";
import type { ChatModel, ChatRequest } from "./model.js";
import { createOfflineModel } from "./offline/model.js";

afterEach(() => resetDefaultModel());

function recordingModel() {
  const requests: ChatRequest[] = [];
  const offline = createOfflineModel();
  const model: ChatModel = {
    ...offline,
    generate(request) {
      requests.push(request);
      return offline.generate(request);
    },
  };
  return { model, requests };
}

describe("callLlm", () => {
  it("works out of the box with no options (offline model, as in the seed)", async () => {
    const saved = { ...process.env };
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.SLUICE_PROVIDER;
    try {
      const summary = await callLlm(
        "Summarize: Cats sleep a lot. They sleep up to sixteen hours a day. Kittens sleep even more.",
      );
      expect(summary.length).toBeGreaterThan(0);
      expect("Cats sleep a lot. They sleep up to sixteen hours a day. Kittens sleep even more.").toContain(
        summary,
      );
    } finally {
      process.env = saved;
    }
  });

  it("sends the prompt as one user message with the options", async () => {
    const { model, requests } = recordingModel();
    const signal = new AbortController().signal;
    await callLlm("Summarize: A b c.", {
      model,
      system: "Be brief.",
      maxTokens: 50,
      signal,
      timeoutMs: 1000,
      stopSequences: ["END"],
      metadata: { run: "1" },
    });
    expect(requests[0]).toEqual({
      system: "Be brief.",
      messages: [{ role: "user", content: "Summarize: A b c." }],
      maxTokens: 50,
      signal,
      timeoutMs: 1000,
      stopSequences: ["END"],
      metadata: { run: "1" },
    });
  });

  it("defaults maxTokens to 1024 and uses setDefaultModel", async () => {
    const { model, requests } = recordingModel();
    setDefaultModel(model);
    await callLlm("Summarize: Hello there.");
    expect(requests[0]?.maxTokens).toBe(DEFAULT_MAX_TOKENS);
    expect(DEFAULT_MAX_TOKENS).toBe(1024);
  });

  it("rejects an empty prompt", async () => {
    await expect(callLlm("  ")).rejects.toMatchObject({ code: "invalid_request" });
    await expect(callLlm(undefined as unknown as string)).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("admits the call through a limiter, reusing one wrapper per limiter and model", async () => {
    const { model, requests } = recordingModel();
    const runs: (LlmLimiterRunOptions | undefined)[] = [];
    const limiter: LlmLimiter = {
      run(task, options) {
        runs.push(options);
        return task({ signal: new AbortController().signal });
      },
    };
    await callLlm("Summarize: One. Two.", { model, limiter, maxTokens: 77 });
    await callLlm("Summarize: One. Two.", { model, limiter, maxTokens: 77 });
    expect(runs).toHaveLength(2);
    expect(runs[0]?.cost).toMatchObject({ requests: 1, outputTokens: 77 });
    expect(requests.every((request) => request.transportRetries === 0)).toBe(true);
  });
});

describe("chat", () => {
  it("returns the full response", async () => {
    const response = await chat(
      {
        system: "ignored by the offline model",
        messages: [{ role: "user", content: "Summarize: The sky is blue." }],
      },
      { model: createOfflineModel() },
    );
    expect(response).toMatchObject({
      text: "The sky is blue.",
      stopReason: "end_turn",
      model: "offline-extractive",
    });
  });

  it("rejects a missing request", async () => {
    await expect(chat(null as unknown as ChatRequest)).rejects.toMatchObject({ code: "invalid_request" });
  });
});
