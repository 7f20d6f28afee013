import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCHMARKS, findBenchmark } from "./benchmarks.js";
import { type BenchmarkReport, writeReport } from "./harness/report.js";
import type { AdmissionRun } from "./suites/admission.js";
import type { AppRun } from "./suites/app.js";
import type { CoreRun } from "./suites/core.js";
import type { AdmissionCostRun } from "./suites/distributed/admission-cost.js";
import type { SharedQuotaRun } from "./suites/distributed/shared-quota.js";
import type { DistributedWorkersRow } from "./suites/distributed-workers.js";
import type { MakespanRun, WorkloadBound } from "./suites/makespan.js";

/**
 * The smoke mode of every benchmark, so none can rot: tiny sizes, one round. These tests check that
 * each benchmark runs end to end and reports well-formed results, never how fast anything was.
 */

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), "sluice-bench-test-"));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function smoke(name: string): Promise<BenchmarkReport> {
  const benchmark = findBenchmark(name);
  expect(benchmark, `benchmark ${name}`).toBeDefined();
  const report = await benchmark!.run({ smoke: true, log: () => {} });
  expectWellFormed(report, name);
  const file = await writeReport(report, outDir);
  expect(path.basename(file)).toBe(`${name}.tmp.json`);
  const parsed = JSON.parse(await readFile(file, "utf8")) as BenchmarkReport;
  expect(parsed.tables.length).toBe(report.tables.length);
  return report;
}

function expectWellFormed(report: BenchmarkReport, name: string): void {
  expect(report.benchmark).toBe(name);
  expect(report.smoke).toBe(true);
  expect(report.command).toBe(`pnpm bench ${name} --smoke`);
  expect(report.machine.cores).toBeGreaterThan(0);
  expect(report.machine.node).toMatch(/^v\d+/);
  expect(Number.isNaN(Date.parse(report.machine.date))).toBe(false);
  expect(report.tables.length).toBeGreaterThan(0);
  for (const table of report.tables) {
    expect(table.title).not.toBe("");
    expect(table.header.length).toBeGreaterThan(1);
    expect(table.rows.length).toBeGreaterThan(0);
    for (const row of table.rows) {
      expect(row).toHaveLength(table.header.length);
      for (const cell of row) expect(typeof cell).toBe("string");
    }
  }
}

describe("benchmarks in smoke mode", () => {
  it("lists every benchmark once, by a unique name", () => {
    const names = BENCHMARKS.map((benchmark) => benchmark.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(["core", "admission", "makespan", "app", "ai-sdk", "distributed"]);
  });

  it("core: both implementations do the same work, with time and peak memory", async () => {
    const report = await smoke("core");
    const { runs } = report.results as { runs: CoreRun[] };
    expect(runs.length).toBe(8);
    for (const run of runs) {
      expect(run.ok, `${run.work} ${run.contender}: ${run.error}`).toBe(true);
      expect(run.wallMs).toBeGreaterThan(0);
      expect(run.peakKb).toBeGreaterThanOrEqual(run.baselineKb!);
    }
  });

  it("admission: every limiter completes every job", async () => {
    const report = await smoke("admission");
    const { runs } = report.results as { runs: AdmissionRun[] };
    expect(new Set(runs.map((run) => run.contender))).toEqual(
      new Set(["none", "throttle", "throttle-limits", "p-limit", "p-queue", "bottleneck"]),
    );
    for (const run of runs) {
      expect(run.ok, `${run.contender}: ${run.error}`).toBe(true);
      expect(run.usPerJob).toBeGreaterThan(0);
    }
  });

  it("makespan: every client drives the emulator on every workload and accounts for every request", async () => {
    const report = await smoke("makespan");
    const { runs, bounds } = report.results as { runs: MakespanRun[]; bounds: WorkloadBound[] };
    expect(bounds.length).toBe(6);
    for (const bound of bounds) {
      expect(bound.bound.ms).toBeGreaterThan(0);
      if (bound.tokensFrom === "emulator") {
        // The prediction from the emulator's own text functions matches what it counted.
        expect(bound.inputTokens).toBe(bound.predictedInputTokens);
        expect(bound.outputTokens).toBe(bound.predictedOutputTokens);
      }
    }
    expect(runs.length).toBe(6 * 5);
    for (const run of runs) {
      const label = `${run.workload} ${run.contender}`;
      expect(run.ok, `${label}: ${run.error}`).toBe(true);
      const result = run.result!;
      const requests = bounds.find((bound) => bound.workload === run.workload)!.requests;
      expect(result.succeeded + result.failed + result.unfinished, label).toBe(requests);
      expect(run.emulator.requests, label).toBeGreaterThanOrEqual(result.succeeded);
      // Every admitted request succeeded, or was still in flight when the smoke deadline cut the run.
      expect(run.emulator.admitted, label).toBeGreaterThanOrEqual(result.succeeded);
      expect(run.emulator.admitted, label).toBeLessThanOrEqual(result.succeeded + result.unfinished);
      if (result.unfinished === 0) expect(run.emulator.admitted, label).toBe(result.succeeded);
    }
    // Thirty child processes, each a few seconds of compressed emulator time at most (a 6 s
    // deadline): about a minute on a 2-core machine under a load of 15, so the limit leaves room.
  }, 300_000);

  it("app: the summarizer CLI runs against the emulator and its report is read", async () => {
    const report = await smoke("app");
    const results = report.results as { runs: AppRun[]; pending: boolean };
    // The summarizer lives in this repo: a "pending" report means it was not found, which is a
    // broken checkout or build, never a reason to pass without running it.
    expect(results.pending, "apps/summarizer has neither dist/cli.js nor src/cli.ts").toBe(false);
    expect(results.runs).toHaveLength(1);
    const run = results.runs[0]!;
    expect(run.ok, run.error).toBe(true);
    expect(run.report?.inputs.total).toBe(30);
    expect(run.emulator.admitted).toBeGreaterThanOrEqual(30);
    expect(run.bound?.ms).toBeGreaterThan(0);
  });

  it("distributed: 4 processes on one Redis quota, 4 uncoordinated, and one all finish every request; the store's admission cost is measured; a killed worker loses no item", async () => {
    const report = await smoke("distributed");
    const results = report.results as {
      "shared-quota": { runs: SharedQuotaRun[] };
      "admission-cost": { runs: AdmissionCostRun[] };
      workers: DistributedWorkersRow[];
    };
    const runs = results["shared-quota"].runs;
    expect(new Set(runs.map((run) => run.variant))).toEqual(
      new Set(["one", "one-redis", "shared", "separate"]),
    );
    for (const run of runs) {
      const label = `${run.workload} ${run.variant}`;
      expect(run.ok, `${label}: ${run.error}`).toBe(true);
      expect(run.incomplete, label).toBe(0);
      expect(run.children.length, label).toBe(run.variant.startsWith("one") ? 1 : 4);
      expect(run.emulator.admitted, label).toBe(run.succeeded);
    }
    // Sharing one quota must not provoke 429s, however slow the machine (that is what it is for).
    for (const run of runs.filter((candidate) => candidate.variant === "shared")) {
      expect(run.emulator.rateLimited, `${run.workload} shared`).toBe(0);
    }
    // The collision case is reported, whatever it came to.
    expect(runs.some((run) => run.variant === "separate")).toBe(true);
    const costs = results["admission-cost"].runs;
    expect(costs.length).toBe(3);
    for (const run of costs) {
      expect(run.ok, `${run.variant}: ${run.error}`).toBe(true);
      expect(run.usPerJob).toBeGreaterThan(0);
    }
    // One of 4 BullMQ workers killed with SIGKILL mid-run: every item still ends exactly once.
    const worker = (measure: string) => results.workers.find((row) => row.measure === measure)?.value;
    expect(worker("kill -9: items")).toBe(16);
    expect(worker("kill -9: results returned")).toBe(16);
    expect(worker("kill -9: items ended exactly once by the worker whose result was kept")).toBe(16);
    expect(worker("kill -9: finished items redone")).toBe(0);
    expect(worker("CPU: 2 workers / 1 worker")).toBeGreaterThan(0);
  }, 300_000);
});
