import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "./report.js";
import { APP_DIR, emulatorForTest, prose, runCli, tempDir, writeFiles } from "./test-support.js";

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

  it("counts the emulator's limits per provider minute, its time scale included", async () => {
    // The bundled texts are ~75k input tokens against 30,000 per provider minute of 3 s (time scale
    // 20): after the first minute's worth, ~1.5 minutes of refill, 4.5 s. (The throttle's limits are
    // per real minute; read as per provider minute they made the bound 20× too short.)
    const cwd = tempDir();
    const result = await runCli(
      [
        path.join(APP_DIR, "texts"),
        "--out",
        "out",
        "--provider",
        "emulator",
        "--time-scale",
        "20",
        "--json",
        "--no-progress",
      ],
      cwd,
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.limitedBy).toBe("input tokens/min");
    const refillMs = ((report.tokens.input - 30_000) / 30_000) * 3_000;
    expect(report.lowerBoundMs!).toBeGreaterThan(refillMs);
    expect(report.lowerBoundMs!).toBeLessThan(refillMs + 2_000);
    expect(report.percentOfBound!).toBeGreaterThanOrEqual(100);
  });
});
