import type { Reservation } from "../budget.js";
import type { DiscoveredFile } from "../inputs.js";
import type { CallEstimate } from "../prompts.js";

/** One input file to summarize: the entry a `SummarizeMultipleFiles` run is given. */
export interface FileJob {
  readonly index: number;
  readonly file: DiscoveredFile;
  /** Where its summary goes, relative to the output folder. */
  readonly output: string;
  /** Model calls the plan expects (parts and combining rounds); undefined when not planned. */
  readonly plannedCalls?: number;
}

/** How one input ended; becomes its index.json entry. */
export interface Outcome {
  readonly status: "ok" | "error" | "skipped";
  readonly code?: string;
  readonly reason?: string;
  readonly output?: string;
  readonly hash?: string;
  readonly chunks?: number;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly model?: string;
  readonly resumed?: boolean;
}

/** The shared store of one run. Per-file data lives under the file's index, so parallel runs never collide. */
export interface SummarizerShared {
  readonly jobs: readonly FileJob[];
  readonly outcomes: Map<number, Outcome>;
  readonly work: Map<number, FileWork>;
}

/** What a file carries through its flow. */
export interface FileWork {
  readonly hash: string;
  readonly title: string;
  readonly chunks: readonly string[];
  readonly estimate: CallEstimate;
  /** The file's share of the budget: every call of the file is charged against it. */
  readonly reservation: Reservation;
  /** The current level of summaries: one per chunk after the map step, fewer after each combine round. */
  summaries: string[];
  usage: UsageTotal;
}

export interface UsageTotal {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** null once any call had no known price. */
  costUsd: number | null;
  model: string | undefined;
}

/** The params each file's flow runs with: which job of `SummarizerShared.jobs` it is. */
export interface FileParams {
  readonly index: number;
}

export function jobOf(shared: SummarizerShared, index: number): FileJob {
  const job = shared.jobs[index];
  if (job === undefined) throw new RangeError(`No file job at index ${index}.`);
  return job;
}

export function workOf(shared: SummarizerShared, index: number): FileWork {
  const work = shared.work.get(index);
  if (work === undefined) throw new RangeError(`File ${index} has not been loaded.`);
  return work;
}
