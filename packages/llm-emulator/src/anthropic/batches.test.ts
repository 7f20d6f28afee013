import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorOptions } from "../options.js";
import { type Emulator, startEmulator } from "../server.js";
import { anthropicClient, messageParams, PROMPT, rejectionOf, sleep } from "../test-support.js";
import { summarize } from "../text.js";

const emulators: Emulator[] = [];
async function start(options: EmulatorOptions = {}): Promise<{ emu: Emulator; client: Anthropic }> {
  const emu = await startEmulator(options);
  emulators.push(emu);
  return { emu, client: anthropicClient(emu) };
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

function requests(count: number, params: Record<string, unknown> = {}) {
  return Array.from({ length: count }, (_, index) => ({
    custom_id: `item-${index}`,
    params: { ...messageParams(), ...params } as Anthropic.MessageCreateParamsNonStreaming,
  }));
}

/** Polls retrieve() until processing ends; bounded. */
async function ended(client: Anthropic, id: string): Promise<Anthropic.Messages.MessageBatch> {
  for (let attempt = 0; attempt < 1500; attempt++) {
    const batch = await client.messages.batches.retrieve(id);
    if (batch.processing_status === "ended") return batch;
    await sleep(10);
  }
  throw new Error(`Batch ${id} did not end.`);
}

async function results(client: Anthropic, id: string) {
  const lines: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) lines.push(line);
  return lines;
}

describe("Message Batches", () => {
  it("runs end to end: create, poll, results as JSONL out of request order, decoded by the SDK", async () => {
    // One provider minute of processing at timeScale 600: 100 real ms.
    const { emu, client } = await start({ batchProcessingMs: 60_000, timeScale: 600 });
    const submitted = [
      ...requests(5),
      {
        custom_id: "no-max-tokens",
        params: { model: "m", messages: [{ role: "user", content: "hi" }] } as never,
      },
      { custom_id: "with-temperature", params: { ...messageParams(), temperature: 1 } as never },
    ];
    const created = await client.messages.batches.create({ requests: submitted });
    expect(created).toMatchObject({
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 7, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
      cancel_initiated_at: null,
    });
    expect(created.id).toMatch(/^msgbatch_/);

    const batch = await ended(client, created.id);
    expect(batch.request_counts).toEqual({
      processing: 0,
      succeeded: 5,
      errored: 2,
      canceled: 0,
      expired: 0,
    });
    expect(batch.results_url).toBe(`${emu.url}/v1/messages/batches/${created.id}/results`);
    expect(Date.parse(batch.ended_at ?? "")).toBeGreaterThanOrEqual(Date.parse(batch.created_at));

    const lines = await results(client, created.id);
    expect(lines.map((line) => line.custom_id).sort()).toEqual(
      submitted.map((request) => request.custom_id).sort(),
    );
    expect(lines.map((line) => line.custom_id)).not.toEqual(submitted.map((request) => request.custom_id));
    const byId = new Map(lines.map((line) => [line.custom_id, line.result]));
    const succeeded = byId.get("item-0");
    expect(succeeded?.type).toBe("succeeded");
    if (succeeded?.type === "succeeded") {
      expect(succeeded.message.content[0]).toMatchObject({
        type: "text",
        text: summarize(PROMPT, { seed: 1, ratio: 1 / 3 }),
      });
      expect(succeeded.message.usage.service_tier).toBe("batch");
    }
    for (const id of ["no-max-tokens", "with-temperature"]) {
      const result = byId.get(id);
      expect(result).toMatchObject({
        type: "errored",
        error: { type: "error", error: { type: "invalid_request_error" } },
      });
    }
    expect(emu.stats().batches).toMatchObject({ created: 1, requests: 7, succeeded: 5, errored: 2 });
    // Batches do not go through the per-minute buckets or the model-request counters.
    expect(emu.stats().requests).toBe(0);
  });

  it("validates custom_id: format and uniqueness", async () => {
    const { client } = await start();
    const duplicate = await rejectionOf(
      client.messages.batches.create({
        requests: [...requests(2), { ...requests(1)[0]!, custom_id: "item-1" }],
      }),
    );
    expect(duplicate).toBeInstanceOf(Anthropic.BadRequestError);
    expect(duplicate.apiMessage).toContain("Duplicate custom_id");
    const badId = await rejectionOf(
      client.messages.batches.create({ requests: [{ ...requests(1)[0]!, custom_id: "has space" }] }),
    );
    expect(badId).toBeInstanceOf(Anthropic.BadRequestError);
    const tooLong = await rejectionOf(
      client.messages.batches.create({ requests: [{ ...requests(1)[0]!, custom_id: "x".repeat(65) }] }),
    );
    expect(tooLong).toBeInstanceOf(Anthropic.BadRequestError);
    const empty = await rejectionOf(client.messages.batches.create({ requests: [] }));
    expect(empty).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("cancels: requests not finished by then come back canceled", async () => {
    // 100 requests finishing one every 50 ms over 5 s; cancel after ~300 ms.
    const { emu, client } = await start({ batchProcessingMs: 5000 });
    const created = await client.messages.batches.create({ requests: requests(100) });
    await sleep(300);
    const canceling = await client.messages.batches.cancel(created.id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const batch = await ended(client, created.id);
    const counts = batch.request_counts;
    expect(counts.succeeded).toBeGreaterThanOrEqual(1);
    expect(counts.canceled).toBeGreaterThanOrEqual(1);
    expect(counts.succeeded + counts.canceled).toBe(100);
    const lines = await results(client, created.id);
    expect(lines.filter((line) => line.result.type === "canceled")).toHaveLength(counts.canceled);
    expect(emu.stats().batches.canceled).toBe(counts.canceled);
    const again = await rejectionOf(client.messages.batches.cancel(created.id));
    expect(again).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("expires requests still unprocessed at expires_at", async () => {
    // Two provider hours of processing, expiry after one, at timeScale 36,000: 200 ms and 100 ms.
    const { client } = await start({
      batchProcessingMs: 7_200_000,
      batchExpiryMs: 3_600_000,
      timeScale: 36_000,
    });
    const created = await client.messages.batches.create({ requests: requests(4) });
    const batch = await ended(client, created.id);
    expect(batch.request_counts).toMatchObject({ succeeded: 2, expired: 2, processing: 0 });
    expect(batch.ended_at).toBe(batch.expires_at);
    const lines = await results(client, created.id);
    expect(lines.map((line) => line.result.type).sort()).toEqual([
      "expired",
      "expired",
      "succeeded",
      "succeeded",
    ]);
  });

  it("lists newest first with cursor pagination, and serves results and deletion only once ended", async () => {
    const { client } = await start({ batchProcessingMs: 3_600_000 });
    const ids: string[] = [];
    for (let index = 0; index < 5; index++)
      ids.push((await client.messages.batches.create({ requests: requests(1) })).id);
    const firstPage = await client.messages.batches.list({ limit: 2 });
    expect(firstPage.data.map((batch) => batch.id)).toEqual([ids[4], ids[3]]);
    expect(firstPage.has_more).toBe(true);
    const all: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual([...ids].reverse());

    const target = ids[0] as string;
    // Still processing: no results_url yet, and it cannot be deleted.
    const noResults = await rejectionOf(client.messages.batches.results(target));
    expect(String(noResults.message)).toContain("results_url");
    expect(await rejectionOf(client.messages.batches.delete(target))).toBeInstanceOf(
      Anthropic.BadRequestError,
    );
    await client.messages.batches.cancel(target);
    await expect(client.messages.batches.delete(target)).resolves.toEqual({
      id: target,
      type: "message_batch_deleted",
    });
    expect(await rejectionOf(client.messages.batches.retrieve(target))).toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });
});
