import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { formatJson } from "./json.js";
import { describeMachine, type Machine } from "./machine.js";
import type { Table } from "./table.js";

/** What a benchmark run hands back: its tables, its raw samples, and how to reproduce it. */
export interface BenchmarkReport {
  readonly benchmark: string;
  readonly title: string;
  /** The command that reproduces this report, from the repository root. */
  readonly command: string;
  readonly smoke: boolean;
  readonly rounds: number;
  readonly machine: Machine;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly tables: readonly Table[];
  /** Benchmark-specific settings (sizes, limits, time scale…). */
  readonly settings: Record<string, unknown>;
  /** Benchmark-specific results: every sample of every round, plus the summaries the tables show. */
  readonly results: unknown;
}

export interface RunOptions {
  /** Tiny sizes: seconds, for the tests. */
  readonly smoke: boolean;
  /** Rounds of alternation; each benchmark has its own default. */
  readonly rounds?: number;
  /** Progress lines (to stderr in the CLI). */
  readonly log: (line: string) => void;
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  run(options: RunOptions): Promise<BenchmarkReport>;
}

/** Fills the fields every report shares around a benchmark's own tables and results. */
export async function measureBenchmark(
  benchmark: Pick<Benchmark, "name" | "title">,
  options: RunOptions,
  rounds: number,
  body: () => Promise<Pick<BenchmarkReport, "tables" | "settings" | "results">>,
): Promise<BenchmarkReport> {
  const machine = describeMachine();
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { tables, settings, results } = await body();
  return {
    benchmark: benchmark.name,
    title: benchmark.title,
    command: `pnpm bench ${benchmark.name}${options.smoke ? " --smoke" : ""}${
      options.rounds === undefined ? "" : ` --rounds ${options.rounds}`
    }`,
    smoke: options.smoke,
    rounds,
    machine,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    tables,
    settings,
    results,
  };
}

/**
 * Writes the report as `<dir>/<benchmark>.json` (`.tmp.json` for smoke runs, which git ignores) and
 * returns the path.
 */
export async function writeReport(report: BenchmarkReport, directory: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, `${report.benchmark}${report.smoke ? ".tmp" : ""}.json`);
  await writeFile(file, formatJson(report));
  return file;
}
