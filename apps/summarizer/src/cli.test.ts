import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { afterEach, describe, expect, it } from "vitest";
import { chunkText } from "./chunk.js";
import { type FileRecord, Journal } from "./journal.js";
import type { IndexFile } from "./outputs.js";
import type { RunReport } from "./report.js";
import { prose, tempDir, writeFiles } from "./test-support.js";

// End to end: the real built CLI, as a subprocess.
const APP = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(APP, "dist", "cli.js");

// dist/cli.js is built once for every test file by build-cli.global.ts.
const emulators: Emulator[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<Finished>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const cli = (args: string[], cwd: string, env?: Record<string, string>) => start(args, cwd, env).done;

async function readIndex(out: string): Promise<IndexFile> {
  return JSON.parse(await fs.readFile(path.join(out, "index.json"), "utf8")) as IndexFile;
}

async function okRecords(out: string): Promise<FileRecord[]> {
  return (await Journal.read(out)).filter(
    (record): record is FileRecord => record.type === "file" && record.status === "ok",
  );
}

async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  run?: { child: ChildProcess; done: Promise<Finished> },
): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (run !== undefined && run.child.exitCode !== null) {
      const ended = await run.done;
      throw new Error(`The run ended (code ${ended.code}) before ${what}: ${ended.stderr}${ended.stdout}`);
    }
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 125));
  }
  if (run !== undefined) {
    run.child.kill("SIGKILL");
    const ended = await run.done;
    throw new Error(`Timed out waiting for ${what}; the run printed: ${ended.stderr}${ended.stdout}`);
  }
  throw new Error(`Timed out waiting for ${what}.`);
}

const successes = (emu: Emulator) => emu.stats().byStatus[200] ?? 0;

describe("summarize (the built CLI)", () => {
  it("--demo summarizes every bundled text offline and writes index.json", async () => {
    const cwd = tempDir();
    const texts = (await fs.readdir(path.join(APP, "texts"))).filter((name) => name.endsWith(".txt"));
    expect(texts.length).toBeGreaterThanOrEqual(10);
    const result = await cli(["--demo", "--out", "demo", "--no-progress"], cwd);
    expect(result.code).toBe(0);
    const index = await readIndex(path.join(cwd, "demo"));
    expect(index.totals).toMatchObject({ inputs: texts.length, ok: texts.length, error: 0, skipped: 0 });
    for (const text of texts) {
      const summary = await fs.readFile(path.join(cwd, "demo", text.replace(/\.txt$/, ".md")), "utf8");
      expect(summary.length).toBeGreaterThan(50);
    }
    expect(result.stdout).toContain("## The Gettysburg Address");
    expect(result.stdout).toContain(`Done: ${texts.length} of ${texts.length} inputs summarized`);
  });

  it("gives every kind of bad input its own status and exits 1 without crashing", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, {
      "in/good.txt": prose("good", 6),
      "in/empty.txt": "",
      "in/blank.md": "  \n\t\n",
      "in/binary.txt": new Uint8Array([0x61, 0x00, 0x62]),
      "in/latin1.txt": new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
      "in/utf16.txt": new Uint8Array([0xff, 0xfe, 0x68, 0x00]),
      "nothing-here/image.png": "x",
    });
    const dir = path.join(cwd, "in");
    execFileSync("mkfifo", [path.join(dir, "fifo.txt")]);
    await fs.symlink("nowhere.txt", path.join(dir, "dangling.txt"));
    await fs.symlink(".", path.join(dir, "loop"));
    await fs.symlink("self.txt", path.join(dir, "self.txt"));
    await fs.symlink("good.txt", path.join(dir, "alias.txt"));
    const big = await fs.open(path.join(dir, "big.txt"), "w");
    await big.truncate(21 * 1024 * 1024);
    await big.close();

    const result = await cli(
      ["in", "nothing-here", "missing.txt", "nomatch/*.txt", "in/good.txt", "--out", "out", "--no-progress"],
      cwd,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain("internal error");
    const index = await readIndex(path.join(cwd, "out"));
    const byInput = Object.fromEntries(
      index.inputs.map((entry) => [entry.input, `${entry.status} ${entry.code ?? ""}`.trim()]),
    );
    expect(byInput).toEqual({
      "in/alias.txt": "skipped duplicate",
      "in/big.txt": "skipped too_large",
      "in/binary.txt": "error binary",
      "in/blank.md": "skipped empty",
      "in/dangling.txt": "error dangling_symlink",
      "in/empty.txt": "skipped empty",
      "in/fifo.txt": "error not_a_file",
      "in/good.txt": "ok",
      "in/latin1.txt": "error not_utf8",
      "in/loop": "error symlink_loop",
      "in/self.txt": "error symlink_loop",
      "in/utf16.txt": "error utf16",
      "nothing-here": "error no_text_files",
      "missing.txt": "error not_found",
      "nomatch/*.txt": "error no_match",
    });
    expect(await fs.readdir(path.join(cwd, "out"))).toEqual(
      expect.arrayContaining(["good.md", "index.json"]),
    );

    const nothing = await cli(["in/binary.txt", "in/empty.txt", "--out", "out2"], cwd);
    expect(nothing.code).toBe(3);
    expect(nothing.stderr).toContain("Nothing to summarize: none of the 2 inputs could be read as text");
  });

  it("documents every flag and exit code, and exits 2 on a usage error", async () => {
    const cwd = tempDir();
    const help = await cli(["--help"], cwd);
    expect(help.code).toBe(0);
    for (const flag of [
      "--out",
      "--provider",
      "--model",
      "--base-url",
      "--concurrency",
      "--rpm",
      "--itpm",
      "--otpm",
      "--max-tokens",
      "--budget",
      "--batch",
      "--resume",
      "--dry-run",
      "--json",
      "--demo",
    ]) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*130/);
    const bad = await cli(["a.txt", "--budget", "2"], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--budget must be dollars like "$2"');
    expect((await cli(["a.txt", "--no-such-flag"], cwd)).code).toBe(2);
  });

  it("lists the same flags in the README as in --help", async () => {
    const help = (await cli(["--help"], tempDir())).stdout;
    const options = help.slice(help.indexOf("Options:"), help.indexOf("\n\n", help.indexOf("Options:")));
    const fromHelp = [...options.matchAll(/^ {2}(-[^ ].*?)(?: {2,}|$)/gm)].map((match) => match[1]!.trim());
    const readme = await fs.readFile(path.join(APP, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("### Flags"), readme.indexOf("### Exit codes"));
    const fromReadme = [...table.matchAll(/^\| `(-[^`]+)` \|/gm)].map((match) => match[1]!);
    expect(fromHelp.length).toBeGreaterThan(20);
    expect(fromReadme).toEqual(fromHelp);
  });

  it("against an emulator with 429 storms, 529s and dropped connections: every input ends ok, none is summarized twice", async () => {
    const emu = await startEmulator({ limits: { requestsPerMinute: 600, inputTokensPerMinute: 400_000 } });
    emulators.push(emu);
    const cwd = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`docs/short${i}.txt`] = prose(`short${i}`, 10);
    const long = Array.from({ length: 30 }, (_, i) => prose(`long${i}`, 4)).join("\n\n");
    files["docs/long.txt"] = long;
    await writeFiles(cwd, files);
    const parts = chunkText(long, 1_000).length;
    expect(parts).toBeGreaterThanOrEqual(3);
    // One call per short file, one per part of the long one, and one to combine the parts.
    const needed = 6 + parts + 1;

    emu.failNext("rate_limit", { count: 6, retryAfterSeconds: 1 });
    emu.failNext("overloaded", { count: 2 });
    emu.failNext("connection_reset", { count: 2 });
    emu.failNext("server_error", { count: 1 });
    const result = await cli(
      [
        "docs",
        "--out",
        "out",
        "--provider",
        "anthropic",
        "--base-url",
        emu.url,
        "--model",
        "claude-haiku-5-5",
        "--concurrency",
        "4",
        "--max-tokens",
        "200",
        "--chunk-tokens",
        "1000",
        "--json",
        "--no-progress",
      ],
      cwd,
      { ANTHROPIC_API_KEY: "sk-test-key" },
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    const index = await readIndex(path.join(cwd, "out"));
    expect(index.totals).toMatchObject({ inputs: 7, ok: 7, error: 0 });
    // Ground truth from the server: exactly the calls needed succeeded, after the injected failures.
    expect(successes(emu)).toBe(needed);
    expect(index.inputs.reduce((sum, entry) => sum + entry.calls, 0)).toBe(needed);
    expect(emu.stats().rateLimited).toBeGreaterThanOrEqual(6);
    expect(report.calls.rateLimited).toBeGreaterThanOrEqual(6);
    expect(report.calls.retries).toBeGreaterThanOrEqual(11);
    // Each input summarized once: one journal record and one file each.
    const records = await okRecords(path.join(cwd, "out"));
    expect(records.map((record) => path.basename(record.input)).sort()).toEqual(
      Object.keys(files)
        .map((f) => path.basename(f))
        .sort(),
    );
    expect(report.costUsd).toBeGreaterThan(0);
  });

  it("--provider openai summarizes through an OpenAI-compatible server, learning its limits from headers", async () => {
    const emu = await startEmulator({ limits: { requestsPerMinute: 600, tokensPerMinute: 400_000 } });
    emulators.push(emu);
    const cwd = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`docs/note${i}.txt`] = prose(`note${i}`, 8);
    await writeFiles(cwd, files);
    emu.failNext("rate_limit", { count: 2, retryAfterSeconds: 1 });

    const result = await cli(
      [
        "docs",
        "--out",
        "out",
        "--provider",
        "openai",
        "--base-url",
        `${emu.url}/v1`,
        "--model",
        "local-model",
        "--max-tokens",
        "200",
        "--json",
        "--no-progress",
      ],
      cwd,
      { OPENAI_API_KEY: "sk-openai-test-key" },
    );
    expect(result.code).toBe(0);
    const index = await readIndex(path.join(cwd, "out"));
    expect(index.totals).toMatchObject({ inputs: 4, ok: 4, error: 0 });
    // One successful chat completion per file, after the two injected 429s.
    expect(successes(emu)).toBe(4);
    expect(emu.stats().rateLimited).toBeGreaterThanOrEqual(2);
    for (const entry of index.inputs) expect(entry.model).toBe("local-model");
  });

  it("after kill -9, --resume finishes the rest with no repeated calls for finished files", async () => {
    const emu = await startEmulator({ latency: { firstTokenMs: 250, perOutputTokenMs: 1 } });
    emulators.push(emu);
    const cwd = tempDir();
    const total = 12;
    await writeFiles(
      cwd,
      Object.fromEntries(
        Array.from({ length: total }, (_, i) => [
          `docs/f${String(i).padStart(2, "0")}.txt`,
          prose(`f${i}`, 12),
        ]),
      ),
    );
    const out = path.join(cwd, "out");
    const args = [
      "docs",
      "--out",
      "out",
      "--provider",
      "anthropic",
      "--base-url",
      emu.url,
      "--concurrency",
      "2",
      "--no-progress",
    ];
    const env = { ANTHROPIC_API_KEY: "sk-test-key" };

    const first = start(args, cwd, env);
    await waitFor(async () => (await okRecords(out)).length >= 3, "three finished files", first);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    await waitFor(async () => emu.stats().inFlight === 0, "the emulator to finish the killed requests");
    const finished = await okRecords(out);
    expect(finished.length).toBeLessThan(total);
    const before = successes(emu);

    const second = await cli([...args, "--resume"], cwd, env);
    expect(second.code).toBe(0);
    // Only the files without a journal record were summarized again: one call each.
    expect(successes(emu) - before).toBe(total - finished.length);
    const index = await readIndex(out);
    expect(index.totals.ok).toBe(total);
    expect(
      index.inputs
        .filter((entry) => entry.resumed === true)
        .map((entry) => entry.path)
        .sort(),
    ).toEqual(finished.map((record) => record.input).sort());
  });

  it("on SIGINT aborts in-flight calls, writes index.json, prints the resume command and exits 130", async () => {
    const emu = await startEmulator({ latency: { firstTokenMs: 400 } });
    emulators.push(emu);
    const cwd = tempDir();
    await writeFiles(
      cwd,
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`docs/f${i}.txt`, prose(`f${i}`, 12)])),
    );
    const out = path.join(cwd, "out");
    const run = start(
      ["docs", "--out", "out", "--provider", "anthropic", "--base-url", emu.url, "--concurrency", "2"],
      cwd,
      {
        ANTHROPIC_API_KEY: "sk-test-key",
      },
    );
    await waitFor(async () => (await okRecords(out)).length >= 1, "a finished file", run);
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toContain(`--provider anthropic --base-url ${emu.url} --concurrency 2 --resume`);
    const index = await readIndex(out);
    expect(index.interrupted).toBe(true);
    expect(index.inputs).toHaveLength(10);
    expect(index.totals.ok).toBe((await okRecords(out)).length);
    // The aborted requests were cut: nothing is left running at the server.
    await waitFor(async () => emu.stats().inFlight === 0, "in-flight requests to end");
  });
});
