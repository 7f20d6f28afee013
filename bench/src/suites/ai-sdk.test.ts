import { describe, expect, it } from "vitest";
import { findBenchmark } from "../benchmarks.js";
import type { AiSdkRun } from "./ai-sdk.js";

// The ai-sdk bench row in smoke mode, so it cannot rot: it runs end to end against the emulator
// and reports every contender. It checks well-formed results, never speed.
describe("ai-sdk benchmark (smoke)", () => {
  it("runs each client against a fresh emulator and reports makespan, 429s and attempts", async () => {
    const benchmark = findBenchmark("ai-sdk");
    expect(benchmark).toBeDefined();
    const report = await benchmark!.run({ smoke: true, log: () => {} });
    expect(report.command).toBe("pnpm bench ai-sdk --smoke");
    const [table] = report.tables;
    expect(table?.rows.map((row) => row[0])).toEqual([
      "generateText",
      "generateText + sluiceMiddleware",
      "generateText + sluiceMiddleware (limits told)",
      "Sluice's Anthropic adapter (no AI SDK)",
    ]);
    const { runs } = report.results as { runs: AiSdkRun[] };
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      expect(run.ok, run.error).toBe(true);
      expect(run.emulator.requests).toBeGreaterThanOrEqual(30);
    }
    // Told the limits, the throttle gets every call through (what it admits, the provider takes).
    const told = runs.find((run) => run.contender === "middleware-told");
    expect(told?.result?.succeeded).toBe(30);
  }, 120_000);
});
