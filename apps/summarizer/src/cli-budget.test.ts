import path from "node:path";
import { estimateInputTokens } from "@sluice/llm";
import { describe, expect, it } from "vitest";
import { chunkRequest } from "./prompts.js";
import type { RunReport } from "./report.js";
import {
  APP_DIR,
  emulatorForTest,
  prose,
  readIndexFile,
  runCli,
  startResettingProxy,
  tempDir,
  writeFiles,
} from "./test-support.js";

// The --budget end to end: the built CLI against a real emulator whose counters are the bill.

const MAX_TOKENS = 100;
const KEY = { ANTHROPIC_API_KEY: "sk-test-key" };

/** `count` files of similar size, and the worst case of the largest single call among them. */
async function corpus(cwd: string, count: number): Promise<{ worstCall: number }> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`docs/f${String(i).padStart(2, "0")}.txt`] = prose(`topic${i}`, 12);
  await writeFiles(cwd, files);
  const longest = Object.values(files).reduce((a, b) => (a.length >= b.length ? a : b));
  const request = chunkRequest(longest, "f00.txt", 1, 1, MAX_TOKENS);
  return { worstCall: estimateInputTokens(request) + MAX_TOKENS + 50 };
}

const argsFor = (url: string, budget: string) => [
  "docs",
  "--out",
  "out",
  "--provider",
  "anthropic",
  "--base-url",
  url,
  "--model",
  "claude-haiku-5-5",
  "--max-tokens",
  String(MAX_TOKENS),
  "--budget",
  budget,
  "--json",
  "--no-progress",
];

describe("summarize --budget", () => {
  it("runs every bundled text when the budget covers the dry run's worst case", async () => {
    const cwd = tempDir();
    const result = await runCli(
      [
        path.join(APP_DIR, "texts"),
        "--provider",
        "local",
        "--budget",
        "100k tokens",
        "--json",
        "--no-progress",
      ],
      cwd,
    );
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.inputs).toMatchObject({ total: 13, ok: 13, skipped: 0 });
    expect(report.budget?.reached).toBe(false);
    expect(result.code).toBe(0);
  });

  it("spends at least 90% of a budget smaller than the corpus, and no more than it", async () => {
    const emu = await emulatorForTest();
    const cwd = tempDir();
    const { worstCall } = await corpus(cwd, 40);
    const budget = 10_000;
    const result = await runCli(argsFor(emu.url, `${budget} tokens`), cwd, KEY);
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout) as RunReport;
    const billed = emu.stats().inputTokens + emu.stats().outputTokens;
    expect(billed).toBeGreaterThanOrEqual(0.9 * budget);
    expect(billed).toBeLessThanOrEqual(budget + worstCall);
    // No answer was lost, so what the report counts is exactly what the server billed.
    expect(report.tokens.input + report.tokens.output).toBe(billed);
    expect(report.costIsUpperEstimate).toBe(false);
    const index = await readIndexFile(path.join(cwd, "out"));
    expect(index.totals.ok).toBeGreaterThan(0);
    expect(index.inputs.filter((entry) => entry.code === "budget_reached").length).toBeGreaterThan(0);
    expect(index.totals.ok + index.totals.skipped).toBe(40);
  });

  it("with most answers lost after the server billed them, stays within the budget and never reports less than the bill", async () => {
    const emu = await emulatorForTest();
    // The first two answers of every file are cut by a connection reset, after the server ran (and
    // billed) them: two of every three answers are lost. Cutting by file, not by a share of all
    // answers, bounds each file's retries: with a global share an unlucky file could be cut five or
    // six times in a row, and the CLI's real backoff (1 s doubling to 30 s) made that 30 to 60 s.
    const answersSeen = new Map<string, number>();
    const proxy = await startResettingProxy(emu.url, (_n, request) => {
      const file = /f\d\d\.txt/.exec(request)?.[0];
      if (file === undefined) throw new Error("The proxy saw an answer to a request that names no file.");
      const seen = (answersSeen.get(file) ?? 0) + 1;
      answersSeen.set(file, seen);
      return seen <= 2;
    });
    emu.failNext("rate_limit", { count: 2, retryAfterSeconds: 1 });
    emu.failNext("overloaded", { count: 2 });
    const cwd = tempDir();
    const { worstCall } = await corpus(cwd, 16);
    // Half of what the 16 files would cost counted at their reservations: the budget binds, so the
    // lost answers' unknown cost is what decides when the run stops.
    const budget = 0.002;
    const result = await runCli(argsFor(proxy.url, `$${budget}`), cwd, KEY);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.budget?.reached).toBe(true);
    expect(result.code).toBe(4);
    expect(proxy.stats.resets).toBeGreaterThan(0);
    expect(report.calls.lost).toBe(proxy.stats.resets);
    const { usageCost } = await import("@sluice/llm");
    const price = (inputTokens: number, outputTokens: number) =>
      usageCost(
        { inputTokens, outputTokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
        "claude-haiku-5-5",
      )!.usd;
    const billed = price(emu.stats().inputTokens, emu.stats().outputTokens);
    expect(billed).toBeLessThanOrEqual(budget + price(worstCall, MAX_TOKENS));
    expect(report.costUsd).toBeGreaterThanOrEqual(billed - 1e-6);
    expect(report.costIsUpperEstimate).toBe(true);
    expect(result.stderr).toMatch(/answers were lost after the request went out .* upper estimate/);
  });
});
