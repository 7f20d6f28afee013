import { describe, expect, it } from "vitest";
import type { RunReport } from "./report.js";
import { emulatorForTest, prose, runCli, tempDir, writeFiles } from "./test-support.js";

// The report's "lower bound" is a true one: no run beats it, however small.

describe("the report's lower bound", () => {
  it("is never beaten by a small run that fits in the server's first minute of quota", async () => {
    // 30,000 input tokens per minute, buckets full after a quiet spell (as Anthropic's and the
    // emulator's are): 12 short files are admitted at once. A bound that ignored that burst put
    // the run at ~41% of it ("faster than possible").
    const emu = await emulatorForTest({
      limits: { requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 },
      latency: { firstTokenMs: 200, perOutputTokenMs: 2 },
    });
    const cwd = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`docs/f${String(i).padStart(2, "0")}.txt`] = prose(`f${i}`, 40);
    await writeFiles(cwd, files);
    const result = await runCli(
      ["docs", "--out", "out", "--provider", "anthropic", "--base-url", emu.url, "--json", "--no-progress"],
      cwd,
      { ANTHROPIC_API_KEY: "sk-test-key" },
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.tokens.input).toBeGreaterThan(5_000);
    expect(report.lowerBoundMs).toBeGreaterThan(0);
    expect(report.lowerBoundMs!).toBeLessThanOrEqual(report.wallMs);
    expect(report.percentOfBound!).toBeGreaterThanOrEqual(100);
    expect(result.stderr).toMatch(/wall time \S+ = \d+% of the \S+ lower bound \(set by [a-z /]+\)/);
  });
});
