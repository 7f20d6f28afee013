import { promises as fs } from "node:fs";
import path from "node:path";
import type { ChatRequest } from "@sluice/llm";
import { createMessageBatches } from "@sluice/llm-anthropic";
import { startEmulator } from "@sluice/llm-emulator";
import { afterEach, describe, expect, it } from "vitest";
import { BatchQueue, requestKey } from "./batch.js";
import { RunStats } from "./stats.js";
import { prose, tempDir } from "./test-support.js";

const emulators: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

async function setup() {
  const emu = await startEmulator({ batchProcessingMs: 300 });
  emulators.push(emu);
  const stateDir = tempDir();
  const queue = () =>
    new BatchQueue({
      batches: createMessageBatches({
        apiKey: "test",
        baseURL: emu.url,
        poll: { initialMs: 20, maxMs: 100, multiplier: 1.5 },
      }),
      modelId: "claude-haiku-5-5",
      stateDir,
      stats: new RunStats(),
      settleMs: 50,
    });
  return { emu, stateDir, queue };
}

const request = (topic: string): ChatRequest => ({
  messages: [{ role: "user", content: `Summarize in at most 2 sentences:\n\n${prose(topic, 6)}` }],
  maxTokens: 100,
});

describe("BatchQueue", () => {
  it("sends the requests that arrive together as one Message Batch and answers each caller", async () => {
    const { emu, queue } = await setup();
    const q = queue();
    const topics = ["apple", "bread", "cheese"];
    const responses = await Promise.all(topics.map((topic) => q.model.generate(request(topic))));
    for (const [index, response] of responses.entries()) expect(response.text).toContain(topics[index]);
    expect(emu.stats().batches).toMatchObject({ created: 1, requests: 3 });
    expect(emu.stats().requests).toBe(0);
    q.close();
  });

  it("after an interruption, collects the saved batch instead of paying for it again", async () => {
    const { emu, stateDir, queue } = await setup();
    emu.configure({ batchProcessingMs: 1_500 });
    const first = queue();
    const waiting = ["apple", "bread", "cheese"].map((topic) =>
      first.model.generate(request(topic)).catch((error: unknown) => error),
    );
    const states = path.join(stateDir, ".sluice", "batches");
    for (let i = 0; i < 200 && (await fs.readdir(states).catch(() => [])).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.close();
    for (const outcome of await Promise.all(waiting)) expect(outcome).toMatchObject({ code: "aborted" });
    expect(emu.stats().batches).toMatchObject({ created: 1, requests: 3 });

    const second = queue();
    const topics = ["apple", "bread", "cheese", "dates"];
    const responses = await Promise.all(topics.map((topic) => second.model.generate(request(topic))));
    for (const [index, response] of responses.entries()) expect(response.text).toContain(topics[index]);
    // The three saved requests came from the first batch; only the new one was submitted.
    expect(emu.stats().batches).toMatchObject({ created: 2, requests: 4 });
    second.close();
  });

  it("keys requests by their content", () => {
    expect(requestKey("m", request("a"))).toBe(requestKey("m", { ...request("a"), timeoutMs: 5 }));
    expect(requestKey("m", request("a"))).not.toBe(requestKey("m", request("b")));
    expect(requestKey("m", request("a"))).toMatch(/^r-[0-9a-f]{40}$/);
  });
});
