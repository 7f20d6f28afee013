import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "./report.js";
import {
  closedPort,
  emulatorForTest,
  prose,
  readIndexFile,
  runCli,
  tempDir,
  writeFiles,
} from "./test-support.js";

// A broken setup, as a user meets it: the built CLI, a real emulator or nothing listening at all.

const KEY = { ANTHROPIC_API_KEY: "sk-test-key" };

async function docs(cwd: string, count: number): Promise<void> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`docs/f${String(i).padStart(2, "0")}.txt`] = prose(`f${i}`, 6);
  await writeFiles(cwd, files);
}

describe("summarize with a broken setup", () => {
  it("stops within seconds when nothing listens at --base-url, with the bad-setup exit code", async () => {
    const cwd = tempDir();
    await docs(cwd, 12);
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(
      ["docs", "--out", "out", "--provider", "anthropic", "--base-url", url, "--json", "--no-progress"],
      cwd,
      KEY,
    );
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe("bad_setup");
    expect(result.stderr).toContain(`Stopped: cannot reach ${url}: is the server running?`);
    // A handful of attempts, not one retry loop per file (it used to be 160 attempts over 72 s).
    expect(report.calls.attempts).toBeLessThanOrEqual(12);
    expect(report.calls.unreachable).toBe(report.calls.attempts);
    expect(result.ms).toBeLessThan(20_000);
    const index = await readIndexFile(path.join(cwd, "out"));
    expect(index.totals.ok).toBe(0);
    expect(index.inputs.every((entry) => entry.code === "unreachable" || entry.code === "run_stopped")).toBe(
      true,
    );
  });

  it("sends no new request after a 401, and counts the authentication failures", async () => {
    const emu = await emulatorForTest();
    emu.failNext("authentication", { count: 1_000 });
    const cwd = tempDir();
    await docs(cwd, 12);
    const result = await runCli(
      ["docs", "--out", "out", "--provider", "anthropic", "--base-url", emu.url, "--concurrency", "4"],
      cwd,
      KEY,
    );
    expect(result.code).toBe(2);
    // Only the requests already in flight when the first 401 came back.
    expect(emu.stats().requests).toBeLessThanOrEqual(4);
    expect(result.stdout).toContain(`${emu.stats().byStatus[401]} × 401/403 (authentication)`);
    expect(result.stdout).not.toContain("other errors");
    expect(result.stdout).toMatch(/^Stopped: .*API key/m);
  });

  it("keeps retrying resets while a healthy run goes on", async () => {
    const emu = await emulatorForTest();
    const cwd = tempDir();
    await docs(cwd, 4);
    // Resets at the very start, before anything succeeded: the server is there, the connection is not.
    emu.failNext("connection_reset", { count: 4 });
    const result = await runCli(
      ["docs", "--out", "out", "--provider", "anthropic", "--base-url", emu.url, "--json", "--no-progress"],
      cwd,
      KEY,
    );
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunReport).inputs.ok).toBe(4);
  });

  it("--provider openai without OPENAI_API_KEY against OpenAI exits 2 with what to do", async () => {
    const cwd = tempDir();
    await docs(cwd, 1);
    const result = await runCli(["docs", "--provider", "openai"], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--provider openai needs OPENAI_API_KEY");
    expect(result.stderr).not.toContain("internal error");
  });

  it("with only a missing path says 'Nothing to summarize' once, and what would have been used", async () => {
    const cwd = tempDir();
    const result = await runCli(["missing.txt", "--out", "out"], cwd, KEY);
    expect(result.code).toBe(3);
    const all = result.stdout + result.stderr;
    expect(all.match(/Nothing to summarize/g)).toHaveLength(1);
    expect(result.stdout).toContain(
      "would have used claude-sonnet-5-5 via https://api.anthropic.com; nothing was sent",
    );
    expect(result.stdout).not.toContain("via -");
  });

  it("names the server ANTHROPIC_BASE_URL points at in the report", async () => {
    const emu = await emulatorForTest();
    const cwd = tempDir();
    await docs(cwd, 2);
    const result = await runCli(["docs", "--out", "out", "--json", "--no-progress"], cwd, {
      ...KEY,
      ANTHROPIC_BASE_URL: emu.url,
    });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunReport).endpoint).toBe(emu.url);
    expect(emu.stats().byStatus[200]).toBe(2);
  });
});
