import { promises as fs } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { type FileRecord, Journal } from "./journal.js";
import { type RawFlags, resolveOptions } from "./options.js";
import type { IndexFile } from "./outputs.js";
import { EXIT, type RunReport } from "./report.js";
import { type RunIo, runSummarizer } from "./run.js";
import { emulatorForTest, prose, tempDir, writeFiles } from "./test-support.js";

interface Captured {
  stdout: string;
  stderr: string;
}

function io(cwd: string, extra: Partial<RunIo> = {}): RunIo & { captured: Captured } {
  const captured: Captured = { stdout: "", stderr: "" };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (chunk) => {
    captured.stdout += String(chunk);
  });
  stderr.on("data", (chunk) => {
    captured.stderr += String(chunk);
  });
  return {
    stdout,
    stderr,
    isTTY: false,
    cwd,
    command: ["summarize"],
    retry: { maxRetries: 6, initialDelayMs: 10, maxDelayMs: 200 },
    ...extra,
    captured,
  };
}

async function run(cwd: string, inputs: string[], flags: RawFlags, extra: Partial<RunIo> = {}) {
  const options = resolveOptions(inputs, { progress: false, ...flags }, { cwd, env: {} });
  const runIo = io(cwd, { command: ["summarize", ...inputs, ...flagWords(flags)], ...extra });
  const result = await runSummarizer(options, runIo);
  return { ...result, ...runIo.captured };
}

function flagWords(flags: RawFlags): string[] {
  return Object.entries(flags).flatMap(([key, value]) => {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return value === true ? [flag] : value === false ? [] : [flag, String(value)];
  });
}

async function readIndex(out: string): Promise<IndexFile> {
  return JSON.parse(await fs.readFile(path.join(out, "index.json"), "utf8")) as IndexFile;
}

const statusOf = (index: IndexFile) =>
  Object.fromEntries(index.inputs.map((entry) => [path.basename(entry.input), entry.status]));

describe("runSummarizer", () => {
  it("with --resume redoes only new and changed files, and keeps finished ones", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, {
      "docs/a.txt": prose("a", 8),
      "docs/b.txt": prose("b", 8),
      "docs/c.txt": prose("c", 8),
    });
    const first = await run(cwd, ["docs"], { out: "out" });
    expect(first.exitCode).toBe(EXIT.ok);
    expect(first.report?.calls.succeeded).toBe(3);

    await fs.writeFile(path.join(cwd, "docs", "b.txt"), prose("changed", 8));
    await writeFiles(cwd, { "docs/d.txt": prose("d", 8) });
    const second = await run(cwd, ["docs"], { out: "out", resume: true });
    expect(second.exitCode).toBe(EXIT.ok);
    expect(second.report?.calls.succeeded).toBe(2);
    const index = await readIndex(path.join(cwd, "out"));
    expect(
      index.inputs.map((entry) => [path.basename(entry.input), entry.status, entry.resumed === true]),
    ).toEqual([
      ["a.txt", "ok", true],
      ["b.txt", "ok", false],
      ["c.txt", "ok", true],
      ["d.txt", "ok", false],
    ]);
    expect(await fs.readFile(path.join(cwd, "out", "b.md"), "utf8")).toContain("changed");

    // Without --resume the run redoes everything, and says so.
    const third = await run(cwd, ["docs"], { out: "out" });
    expect(third.report?.calls.succeeded).toBe(4);
    expect(third.stderr).toContain("add --resume");
  });

  it("stops launching at the budget (exit 4), says how to resume, and --resume finishes", async () => {
    const cwd = tempDir();
    await writeFiles(
      cwd,
      Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`docs/f${i}.txt`, prose(`f${i}`, 30)])),
    );
    const limited = await run(cwd, ["docs"], { out: "out", budget: "2k tokens", filesInFlight: "1" });
    expect(limited.exitCode).toBe(EXIT.budgetReached);
    const index = await readIndex(path.join(cwd, "out"));
    const skipped = index.inputs.filter((entry) => entry.code === "budget_reached");
    expect(skipped.length).toBeGreaterThan(0);
    expect(index.totals.ok + skipped.length).toBe(6);
    expect(index.totals.inputTokens + index.totals.outputTokens).toBeLessThanOrEqual(2_000);
    expect(index.complete).toBe(false);
    expect(limited.report?.resumeCommand).toBe(
      "summarize docs --out out --budget '2k tokens' --files-in-flight 1 --resume",
    );

    const rest = await run(cwd, ["docs"], { out: "out", resume: true });
    expect(rest.exitCode).toBe(EXIT.ok);
    expect(rest.report?.calls.succeeded).toBe(skipped.length);
    expect((await readIndex(path.join(cwd, "out"))).totals.ok).toBe(6);
  });

  it("exits 3 with a clear message when nothing can be read, and still lists every input", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "bin.txt": new Uint8Array([1, 0, 2]), "empty.txt": "" });
    const result = await run(cwd, ["bin.txt", "empty.txt", "missing.txt"], { out: "out" });
    expect(result.exitCode).toBe(EXIT.nothingReadable);
    expect(result.stderr).toContain("none of the 3 inputs could be read as text");
    expect(statusOf(await readIndex(path.join(cwd, "out")))).toEqual({
      "bin.txt": "error",
      "empty.txt": "skipped",
      "missing.txt": "error",
    });
  });

  it("--dry-run lists the work and its cost and sends nothing", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "docs/a.txt": prose("a", 8), "docs/b.bin.txt": new Uint8Array([0, 1]) });
    const result = await run(cwd, ["docs"], {
      out: "out",
      dryRun: true,
      provider: "emulator",
      timeScale: "10",
    });
    expect(result.exitCode).toBe(EXIT.ok);
    expect(result.stdout).toContain("summarize docs/a.txt: 1 part, 1 call");
    expect(result.stdout).toContain("error     docs/b.bin.txt: binary file");
    expect(result.stdout).toMatch(/cost: ~\$0\.\d+ expected, at most \$0\.\d+/);
    expect(result.stdout).toMatch(/fastest possible time: \d+\.\ds, set by /);
    expect(result.dryRun?.totals).toMatchObject({ summarize: 1, problems: 1, calls: 1 });
    await expect(fs.stat(path.join(cwd, "out"))).rejects.toThrow();
  });

  it("--json prints the report as JSON on stdout and the human text on stderr", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "a.txt": prose("a", 5) });
    const result = await run(cwd, ["a.txt"], { out: "out", json: true });
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report).toMatchObject({
      exitCode: 0,
      status: "complete",
      inputs: { total: 1, ok: 1 },
      index: "out/index.json",
    });
    expect(result.stderr).toContain("Done: 1 of 1 inputs summarized");
  });

  it("on interrupt aborts in-flight calls, writes index.json and prints the resume command (exit 130)", async () => {
    const cwd = tempDir();
    await writeFiles(
      cwd,
      Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`docs/f${i}.txt`, prose(`f${i}`, 150)])),
    );
    const controller = new AbortController();
    const out = path.join(cwd, "out");
    const watcher = (async () => {
      for (let i = 0; i < 400 && !controller.signal.aborted; i++) {
        const records = await Journal.read(out).catch(() => []);
        if (records.some((record) => record.type === "file")) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      controller.abort(new Error("test interrupt"));
    })();
    const started = Date.now();
    const result = await run(
      cwd,
      ["docs"],
      { out: "out", provider: "emulator", concurrency: "2" },
      { signal: controller.signal },
    );
    await watcher;
    expect(result.exitCode).toBe(EXIT.interrupted);
    const index = await readIndex(out);
    expect(index.interrupted).toBe(true);
    expect(index.inputs).toHaveLength(8);
    const finished = (await Journal.read(out)).filter(
      (r): r is FileRecord => r.type === "file" && r.status === "ok",
    );
    expect(index.totals.ok).toBe(finished.length);
    expect(index.inputs.filter((entry) => entry.code === "interrupted").length).toBe(8 - finished.length);
    expect(result.stdout).toContain("summarize docs --out out --provider emulator --concurrency 2 --resume");
    expect(Date.now() - started).toBeLessThan(30_000);

    const resumed = await run(cwd, ["docs"], {
      out: "out",
      provider: "emulator",
      concurrency: "4",
      resume: true,
    });
    expect(resumed.exitCode).toBe(EXIT.ok);
    expect(resumed.report?.inputs).toMatchObject({ ok: 8, resumed: finished.length });
    expect(resumed.report?.calls.succeeded).toBe(8 - finished.length);
  });
});

describe("runSummarizer --batch", () => {
  it("summarizes through Message Batches at half price, map and combine rounds included", async () => {
    const cwd = tempDir();
    const long = Array.from({ length: 40 }, (_, i) => prose(`long${i}`, 5)).join("\n\n");
    await writeFiles(cwd, { "docs/a.txt": prose("a", 8), "docs/long.txt": long });
    const flags = {
      out: "out",
      provider: "emulator",
      timeScale: "200",
      maxTokens: "200",
      chunkTokens: "1000",
    };
    const batch = await run(cwd, ["docs"], { ...flags, batch: true });
    expect(batch.exitCode).toBe(EXIT.ok);
    const index = await readIndex(path.join(cwd, "out"));
    expect(index).toMatchObject({ batch: true, totals: { ok: 2 } });
    const long_ = index.inputs.find((entry) => entry.input.endsWith("long.txt"));
    expect(long_?.chunks).toBeGreaterThan(1);
    expect(long_?.calls).toBe((long_?.chunks ?? 0) + 1);
    // Half of what the same tokens cost one call at a time.
    const direct = await run(cwd, ["docs"], { ...flags, out: "direct" });
    const perToken = (report: RunReport | undefined) =>
      (report?.costUsd ?? 0) / ((report?.tokens.input ?? 1) + 5 * (report?.tokens.output ?? 0));
    expect(perToken(batch.report) / perToken(direct.report)).toBeCloseTo(0.5, 1);
  });

  it("removes the saved batch states once every request is collected: after a clean run and after a resumed one", {
    timeout: 120_000,
  }, async () => {
    const emu = await emulatorForTest({ batchProcessingMs: 1_500 });
    const cwd = tempDir();
    const long = Array.from({ length: 40 }, (_, i) => prose(`long${i}`, 5)).join("\n\n");
    await writeFiles(cwd, {
      "docs/a.txt": prose("a", 8),
      "docs/b.txt": prose("b", 8),
      "docs/long.txt": long,
    });
    const env = { ANTHROPIC_API_KEY: "sk-test-key" };
    const options = (out: string, resume = false) =>
      resolveOptions(
        ["docs"],
        {
          out,
          provider: "anthropic",
          baseUrl: emu.url,
          batch: true,
          maxTokens: "200",
          chunkTokens: "1000",
          resume,
          progress: false,
        },
        { cwd, env },
      );
    const states = (out: string) => fs.readdir(path.join(cwd, out, ".sluice", "batches")).catch(() => []);

    const clean = await runSummarizer(options("clean"), io(cwd));
    expect(clean.exitCode).toBe(EXIT.ok);
    expect(await states("clean")).toEqual([]);

    // Interrupted while the first batch is processing: its state stays for --resume, which collects
    // it instead of paying again, and then removes it.
    const controller = new AbortController();
    const interrupted = runSummarizer(options("resumed"), io(cwd, { signal: controller.signal }));
    for (let i = 0; i < 250 && (await states("resumed")).length === 0; i++) await delay(20);
    const createdBefore = emu.stats().batches.created;
    controller.abort();
    expect((await interrupted).exitCode).toBe(EXIT.interrupted);
    expect((await states("resumed")).length).toBeGreaterThan(0);
    const resumed = await runSummarizer(options("resumed", true), io(cwd));
    expect(resumed.exitCode).toBe(EXIT.ok);
    expect(resumed.index?.totals.ok).toBe(3);
    expect(await states("resumed")).toEqual([]);
    // The resumed run collected the first batch: only the later (combine) round was created anew.
    expect(emu.stats().batches.created - createdBefore).toBeLessThanOrEqual(1);
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
