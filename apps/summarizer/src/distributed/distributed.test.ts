import { promises as fs } from "node:fs";
import path from "node:path";
import { type RedisServer, redisServerForTests, startRedisServer, waitUntil } from "@sluice/bullmq/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes.js";
import {
  emulatorForTest,
  prose,
  readIndexFile,
  runCli,
  spawnCli,
  tempDir,
  writeFiles,
} from "../test-support.js";
import { workerFlags } from "./pool-session.js";

const binary = redisServerForTests();
const KEY = { ANTHROPIC_API_KEY: "sk-test-key" };

/** The flags by which producer and workers reach the same Redis and the same emulator. */
function poolFlags(redisUrl: string, emulatorUrl: string): string[] {
  return [
    "--redis",
    redisUrl,
    "--provider",
    "anthropic",
    "--base-url",
    emulatorUrl,
    "--model",
    "claude-haiku-5-5",
  ];
}

describe("workerFlags", () => {
  it("passes a local worker the provider and pool flags, not the inputs or the producer's own", () => {
    expect(
      workerFlags([
        "docs",
        "--out",
        "o",
        "--redis",
        "redis://h:1",
        "--provider=anthropic",
        "-m",
        "x",
        "--resume",
        "--workers",
        "2",
      ]),
    ).toEqual(["--redis", "redis://h:1", "--provider=anthropic", "-m", "x"]);
  });
});

describe.skipIf(binary === undefined)("summarize across a pool of workers", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ binary });
  });
  afterAll(async () => {
    await redis?.close();
  });

  /** A `summarize worker` process, resolved once it has joined the pool. */
  async function startWorker(emulatorUrl: string) {
    const run = spawnCli(
      ["worker", ...poolFlags(redis.url, emulatorUrl), "--concurrency", "2"],
      tempDir(),
      KEY,
    );
    let stderr = "";
    run.child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    await waitUntil(() => stderr.includes("joined the pool"), 30_000, "a worker joins the pool");
    return {
      ...run,
      calls: async () => {
        run.child.kill("SIGTERM");
        const finished = await run.done;
        expect(finished.code).toBe(0);
        return Number(/after (\d+) calls/.exec(finished.stderr)?.[1] ?? "-1");
      },
    };
  }

  function producerArgs(emulatorUrl: string, extra: string[] = []) {
    return [
      "docs",
      "--out",
      "out",
      ...poolFlags(redis.url, emulatorUrl),
      "--max-tokens",
      "100",
      "--json",
      "--no-progress",
      ...extra,
    ];
  }

  it("two worker processes do the calls; the producer writes the summaries, index.json and the journal; --resume works", async () => {
    const emu = await emulatorForTest({ latency: { firstTokenMs: 150 } });
    const cwd = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`docs/note${i}.txt`] = prose(`note${i}`, 6);
    await writeFiles(cwd, files);
    const workers = [await startWorker(emu.url), await startWorker(emu.url)];

    const first = await runCli(producerArgs(emu.url), cwd, KEY);
    expect(first.code, first.stderr).toBe(EXIT.ok);
    const index = await readIndexFile(path.join(cwd, "out"));
    expect(index.totals).toMatchObject({ inputs: 8, ok: 8, error: 0 });
    expect(index.inputs).toHaveLength(8);
    for (const entry of index.inputs) {
      if (entry.output)
        expect((await fs.readFile(path.join(cwd, "out", entry.output), "utf8")).length).toBeGreaterThan(0);
    }

    const again = await runCli(producerArgs(emu.url, ["--resume"]), cwd, KEY);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    const requestsAfterResume = emu.stats().requests;

    const calls = [await workers[0]!.calls(), await workers[1]!.calls()];
    expect(calls[0]! + calls[1]!).toBe(8);
    expect(calls.every((count) => count > 0)).toBe(true);
    expect(requestsAfterResume).toBe(8);
  });

  it("Ctrl-C on the producer stops the pool's work for the run and exits as interrupted", async () => {
    const emu = await emulatorForTest({ latency: { firstTokenMs: 30_000 } });
    const cwd = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`docs/long${i}.txt`] = prose(`long${i}`, 6);
    await writeFiles(cwd, files);
    const worker = await startWorker(emu.url);
    const producer = spawnCli(producerArgs(emu.url), cwd, KEY);
    await waitUntil(() => emu.stats().inFlight >= 2, 30_000, "calls reach the emulator");
    producer.child.kill("SIGINT");
    const finished = await producer.done;
    expect(finished.code).toBe(EXIT.interrupted);
    // The worker aborted its calls: the emulator sees them go away long before their 30 s answers.
    await waitUntil(() => emu.stats().inFlight === 0, 15_000, "the worker aborts its calls");
    expect(await worker.calls()).toBe(0);
  });

  it("--workers 2 starts two local workers for the run and stops them with it", async () => {
    const emu = await emulatorForTest();
    const cwd = tempDir();
    await writeFiles(cwd, {
      "docs/a.txt": prose("a", 4),
      "docs/b.txt": prose("b", 4),
      "docs/c.txt": prose("c", 4),
    });
    const result = await runCli(producerArgs(emu.url, ["--workers", "2"]), cwd, KEY);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect((await readIndexFile(path.join(cwd, "out"))).totals).toMatchObject({ inputs: 3, ok: 3 });
    expect(result.stderr.match(/joined the pool/g)).toHaveLength(2);
    expect(emu.stats().requests).toBe(3);
  });

  it("an unreachable Redis is a bad setup, named in the message", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "docs/a.txt": prose("a", 3) });
    const result = await runCli(
      ["docs", "--out", "out", "--provider", "local", "--redis", "redis://127.0.0.1:1", "--no-progress"],
      cwd,
    );
    expect(result.code).toBe(EXIT.badSetup);
    expect(result.stderr).toContain("redis://127.0.0.1:1");
    const worker = await runCli(["worker", "--redis", "redis://127.0.0.1:1", "--provider", "local"], cwd);
    expect(worker.code).toBe(EXIT.badSetup);
    expect(worker.stderr).toContain("Could not reach Redis at redis://127.0.0.1:1");
  });
});
