import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatModel, ChatStreamEvent } from "./model.js";
import { createOfflineModel } from "./offline/model.js";
import { conformanceChecks, describeConformance, runConformance } from "./testing.js";

// The kit used exactly as an adapter package would, here on the offline model without a server.
describeConformance({
  name: "offline (no emulator)",
  test: { describe, it, beforeAll, afterAll },
  createModel: () => createOfflineModel(),
});

const serverless = conformanceChecks.filter((check) => !check.needsEmulator).map((check) => check.id);

/** The offline model with one behaviour broken, to prove the kit notices. */
function broken(patch: Partial<ChatModel>): () => ChatModel {
  return () => ({ ...createOfflineModel(), ...patch });
}

describe("runConformance", () => {
  it("passes the offline model on every check that needs no server, and skips the rest with a reason", async () => {
    const report = await runConformance({ name: "offline", createModel: () => createOfflineModel() });
    expect(report.failed).toBe(0);
    expect(report.results.filter((r) => r.status === "passed").map((r) => r.id)).toEqual(serverless);
    expect(report.skipped).toBe(conformanceChecks.length - serverless.length);
    for (const result of report.results.filter((r) => r.status === "skipped")) {
      expect(result.reason).toContain("startEmulator");
    }
  });

  it("honours declared skips", async () => {
    const report = await runConformance({
      name: "offline",
      createModel: () => createOfflineModel(),
      skip: { "stop-sequence": "provider has no stop sequences" },
    });
    expect(report.results.find((r) => r.id === "stop-sequence")).toMatchObject({
      status: "skipped",
      reason: "provider has no stop sequences",
    });
  });

  it("catches a stream whose deltas do not add up to the final text", async () => {
    const offline = createOfflineModel();
    const report = await runConformance({
      name: "broken-stream",
      createModel: broken({
        async *stream(request): AsyncGenerator<ChatStreamEvent> {
          for await (const event of offline.stream(request)) {
            yield event.type === "text" ? { type: "text", text: event.text.toUpperCase() } : event;
          }
        },
      }),
    });
    const streaming = report.results.find((r) => r.id === "streaming");
    expect(streaming?.status).toBe("failed");
    expect(streaming?.reason).toContain("concatenated text deltas");
  });

  it("catches raw errors where typed ones are required", async () => {
    const offline = createOfflineModel();
    const report = await runConformance({
      name: "raw-abort",
      createModel: broken({
        async generate(request) {
          if (request.signal?.aborted) throw new DOMException("This operation was aborted", "AbortError");
          return offline.generate(request);
        },
      }),
    });
    const abort = report.results.find((r) => r.id === "abort-before-send");
    expect(abort?.status).toBe("failed");
    expect(abort?.reason).toContain("non-LlmError");
  });

  it("catches a wrong stop reason and incomplete usage", async () => {
    const offline = createOfflineModel();
    const report = await runConformance({
      name: "sloppy",
      createModel: broken({
        async generate(request) {
          const response = await offline.generate(request);
          return { ...response, stopReason: "end_turn", usage: { inputTokens: 3 } as never };
        },
      }),
    });
    const failed = Object.fromEntries(
      report.results.filter((r) => r.status === "failed").map((r) => [r.id, r.reason]),
    );
    expect(failed.text).toContain("usage.outputTokens");
    expect(failed["stop-max-tokens"]).toBeDefined();
  });

  it("reports a hanging adapter instead of hanging", async () => {
    const report = await runConformance({
      name: "hangs",
      checkTimeoutMs: 100,
      createModel: broken({ generate: () => new Promise(() => {}) }),
    });
    expect(report.results.find((r) => r.id === "text")?.reason).toContain("did not finish within 100 ms");
  });

  it("fails only the abort check when aborts are ignored mid-stream", async () => {
    const offline = createOfflineModel();
    const report = await runConformance({
      name: "ignores-abort",
      createModel: broken({
        stream(request) {
          const { signal: _ignored, ...rest } = request;
          return offline.stream(rest);
        },
      }),
    });
    const failed = report.results.filter((r) => r.status === "failed").map((r) => r.id);
    expect(failed).toContain("abort-mid-stream");
    expect(failed).not.toContain("streaming");
  });
});

describe("describeConformance", () => {
  it("registers one test per check, skipped ones through it.skip", () => {
    const registered: string[] = [];
    const skipped: string[] = [];
    const hooks: string[] = [];
    const it = Object.assign((name: string) => void registered.push(name), {
      skip: (name: string) => void skipped.push(name),
    });
    describeConformance({
      name: "fake",
      test: {
        describe: (name, body) => {
          hooks.push(name);
          body();
        },
        it,
        beforeAll: () => void hooks.push("beforeAll"),
        afterAll: () => void hooks.push("afterAll"),
      },
      createModel: () => createOfflineModel(),
    });
    expect(hooks).toEqual(["@sluice/llm conformance: fake", "beforeAll", "afterAll"]);
    expect(registered).toHaveLength(serverless.length);
    expect(skipped).toHaveLength(conformanceChecks.length - serverless.length);
    expect(skipped[0]).toContain("skipped: needs the emulator");
  });
});
