import { isLlmError } from "@sluice/llm";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicModel } from "../model.js";
import {
  type AnthropicBatches,
  type BatchProgress,
  createMessageBatches,
  type MessageBatchRequest,
} from "./batches.js";
import type { Sleep } from "./poll.js";
import type { MessageBatchesState } from "./state.js";

const API_KEY = "sk-ant-batches-test-0123456789";
const TOPICS = [
  "The orchard flowered early. Frost came in April. Half the apples were lost. The farmers covered the young trees.",
  "A new library opened downtown. It lends tools as well as books. Children come for the reading hour. The cafe is always full.",
  "The marathon route changed this year. Runners now cross the river twice. The finish moved to the park. Crowds lined the bridges.",
  "Researchers tagged forty turtles. Most swam north in winter. Two reached the far coast. The data will guide new reserves.",
  "The town replaced its streetlights. The new lamps use less power. Residents say the nights look warmer. Birds sleep better too.",
];

const requestsFor = (count: number, keyed = true): MessageBatchRequest[] =>
  Array.from({ length: count }, (_, index) => ({
    ...(keyed ? { key: `doc ${index}` } : {}),
    messages: [{ role: "user" as const, content: `Summarize: ${TOPICS[index % TOPICS.length]} (${index})` }],
    maxTokens: 120,
  }));

/** Polls quickly in real time (the emulator's batches take real milliseconds) and records the waits asked for. */
function quickSleep(waits: number[] = []): Sleep {
  return (ms, signal) => {
    waits.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(resolve, 20);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
  };
}

describe("Message Batches against the emulator", () => {
  let emu: Emulator;
  const batchesFor = (extra: ConstructorParameters<typeof AnthropicBatches>[0] = {}) =>
    createMessageBatches({
      baseURL: emu.url,
      apiKey: API_KEY,
      sleep: quickSleep(),
      poll: { initialMs: 50 },
      ...extra,
    });

  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: [API_KEY], batchProcessingMs: 200, contextWindowTokens: 400 });
  });
  afterAll(() => emu.close());

  it("runs requests through one batch and returns per-item outcomes in input order", async () => {
    emu.configure({ batchProcessingMs: 200 });
    emu.reset();
    const requests = requestsFor(5);
    const outcomes = await batchesFor({ model: "claude-haiku-5-5" }).run(requests);
    expect(outcomes).toHaveLength(5);
    const model = createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, model: "claude-haiku-5-5" });
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.key).toBe(`doc ${index}`);
      expect(outcome.status).toBe("fulfilled");
      if (outcome.status !== "fulfilled") continue;
      // Same deterministic answer as the Messages API gives for the same request.
      const direct = await model.generate(requests[index] as MessageBatchRequest);
      expect(outcome.value.text).toBe(direct.text);
      expect(outcome.value.model).toBe("claude-haiku-5-5");
      expect(outcome.value.usage.inputTokens).toBe(direct.usage.inputTokens);
    }
    expect(emu.stats().batches.created).toBe(1);
    expect(emu.stats().batches.requests).toBe(5);
  });

  it("splits above the per-batch limit and still returns outcomes in input order", async () => {
    emu.reset();
    const before = emu.stats().batches.created;
    const submitted: MessageBatchesState[] = [];
    const outcomes = await batchesFor({ limits: { maxRequests: 3 } }).run(requestsFor(7, false), {
      onSubmitted: (state) => {
        submitted.push(state);
      },
    });
    expect(emu.stats().batches.created - before).toBe(3);
    expect(submitted.map((s) => [s.batches.length, s.complete])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(outcomes.map((o) => o.customId)).toEqual(Array.from({ length: 7 }, (_, i) => `item-${i}`));
    expect(outcomes.every((o) => o.status === "fulfilled")).toBe(true);
  });

  it("turns an errored line into its typed error (prompt_too_long → ContextLengthError)", async () => {
    emu.reset();
    const requests = [
      ...requestsFor(2),
      { key: "huge", messages: [{ role: "user" as const, content: "word ".repeat(800) }], maxTokens: 50 },
    ];
    const outcomes = await batchesFor().run(requests);
    expect(outcomes.slice(0, 2).every((o) => o.status === "fulfilled")).toBe(true);
    const huge = outcomes[2];
    expect(huge?.status).toBe("rejected");
    if (huge?.status !== "rejected") return;
    expect(huge.key).toBe("huge");
    expect(isLlmError(huge.reason, "context_length")).toBe(true);
    expect(huge.reason.errorCode).toBe("prompt_too_long");
  });

  it("canceled lines become AbortedError, expired lines TimeoutError (retryable)", async () => {
    emu.configure({ batchProcessingMs: 10_000 });
    try {
      const batches = batchesFor();
      const state = await batches.submit(requestsFor(3));
      const canceled = await batches.cancel(state);
      expect(canceled[0]?.processing_status).not.toBe("in_progress");
      await batches.wait(state);
      const outcomes = await batches.results(state);
      expect(outcomes.every((o) => o.status === "rejected" && o.reason.code === "aborted")).toBe(true);

      emu.configure({ batchExpiryMs: 100 });
      const expiring = await batches.run(requestsFor(2));
      expect(
        expiring.every((o) => o.status === "rejected" && o.reason.code === "timeout" && o.reason.retryable),
      ).toBe(true);
    } finally {
      emu.configure({ batchProcessingMs: 200, batchExpiryMs: 24 * 3600_000 });
    }
  });

  it("resumes after a restart in the middle of polling without submitting again", async () => {
    // Long enough that even a slow machine polls once before the batch ends.
    emu.configure({ batchProcessingMs: 3_000 });
    try {
      emu.reset();
      const createdBefore = emu.stats().batches.created;
      const requests = requestsFor(4);
      let saved: string | undefined;
      let polls = 0;
      let endedAtFirstPoll: boolean | undefined;

      // First process: submits, saves the state, polls once, then "dies" (its signal aborts).
      const first = new AbortController();
      const firstRun = batchesFor().run(requests, {
        signal: first.signal,
        onSubmitted: (state) => {
          saved = JSON.stringify(state);
        },
        onProgress: (progress: BatchProgress) => {
          polls += 1;
          endedAtFirstPoll = progress.ended;
          first.abort();
        },
      });
      await expect(firstRun).rejects.toMatchObject({ code: "aborted" });
      expect(polls).toBe(1);
      expect(endedAtFirstPoll).toBe(false);
      expect(saved).toBeDefined();

      // Second process: a new instance, resuming from what was saved.
      const second = batchesFor();
      const outcomes = await second.run(requests, { resume: saved as string });
      expect(outcomes.map((o) => [o.key, o.status])).toEqual(requests.map((r) => [r.key, "fulfilled"]));
      expect(emu.stats().batches.created - createdBefore).toBe(1);
    } finally {
      emu.configure({ batchProcessingMs: 200 });
    }
  });

  it("resumes a submission cut between two batches by creating only the missing one", async () => {
    const requests = requestsFor(4);
    const createdBefore = emu.stats().batches.created;
    let saved: MessageBatchesState | undefined;
    const crash = new Error("process killed");
    await expect(
      batchesFor({ limits: { maxRequests: 2 } }).run(requests, {
        onSubmitted: (state) => {
          saved = state;
          throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(saved?.batches).toHaveLength(1);
    expect(saved?.complete).toBe(false);
    const outcomes = await batchesFor({ limits: { maxRequests: 2 } }).run(requests, {
      resume: saved as MessageBatchesState,
    });
    expect(outcomes.every((o) => o.status === "fulfilled")).toBe(true);
    expect(emu.stats().batches.created - createdBefore).toBe(2);
  });

  it("refuses to resume with other requests", async () => {
    const batches = batchesFor();
    const state = await batches.submit(requestsFor(2));
    await expect(batches.run(requestsFor(3), { resume: state })).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/other requests/),
    });
  });

  it("results() before the batches end says to wait", async () => {
    emu.configure({ batchProcessingMs: 10_000 });
    try {
      const batches = batchesFor();
      const state = await batches.submit(requestsFor(1));
      await expect(batches.results(state)).rejects.toMatchObject({
        code: "invalid_request",
        message: expect.stringMatching(/wait/),
      });
      await batches.cancel(state);
    } finally {
      emu.configure({ batchProcessingMs: 200 });
    }
  });

  it("cancelOnAbort cancels the batches when the signal fires", async () => {
    emu.configure({ batchProcessingMs: 10_000 });
    try {
      const controller = new AbortController();
      const batches = batchesFor();
      let state: MessageBatchesState | undefined;
      const run = batches.run(requestsFor(2), {
        signal: controller.signal,
        cancelOnAbort: true,
        onSubmitted: (s) => {
          state = s;
        },
        onProgress: () => controller.abort(),
      });
      await expect(run).rejects.toMatchObject({ code: "aborted" });
      const after = await batches.wait(state as MessageBatchesState);
      expect(after[0]?.request_counts.canceled).toBe(2);
    } finally {
      emu.configure({ batchProcessingMs: 200 });
    }
  });

  it("backs off between polls and gives up after maxWaitMs (virtual time)", async () => {
    emu.configure({ batchProcessingMs: 10_000 });
    try {
      let now = 0;
      const waits: number[] = [];
      const batches = batchesFor({
        poll: { initialMs: 1_000, maxMs: 4_000, multiplier: 2 },
        now: () => now,
        sleep: async (ms) => {
          waits.push(ms);
          now += ms;
        },
      });
      const state = await batches.submit(requestsFor(1));
      await expect(batches.wait(state, { maxWaitMs: 15_000 })).rejects.toMatchObject({ code: "timeout" });
      expect(waits).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
      await batches.cancel(state);
    } finally {
      emu.configure({ batchProcessingMs: 200 });
    }
  });

  it("an invalid request is refused before anything is sent", async () => {
    const before = emu.stats().batches.created;
    await expect(
      batchesFor().run([...requestsFor(1), { messages: [], maxTokens: 10 }]),
    ).rejects.toMatchObject({ code: "invalid_request", message: expect.stringMatching(/^requests\[1\]/) });
    expect(emu.stats().batches.created).toBe(before);
  });

  it("a wrong key fails the run with AuthenticationError", async () => {
    const batches = createMessageBatches({ baseURL: emu.url, apiKey: "sk-ant-wrong-0123456789" });
    await expect(batches.run(requestsFor(1))).rejects.toMatchObject({ code: "authentication" });
  });
});
