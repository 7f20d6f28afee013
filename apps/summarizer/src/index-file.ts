import type { FileRecord } from "./journal.js";
import type { Outcome } from "./nodes/index.js";
import type { SummarizerOptions } from "./options.js";
import { type IndexEntry, type IndexFile, roundUsd } from "./outputs.js";
import type { Plan } from "./plan.js";

/** Inputs that a later run (with --resume) would still work on. */
const UNFINISHED_CODES = new Set(["budget_reached", "run_stopped", "unreachable", "interrupted", "not_run"]);

export interface IndexContext {
  readonly options: SummarizerOptions;
  readonly modelId: string;
  readonly interrupted: boolean;
  readonly complete: boolean;
}

/** index.json: every input exactly once, in the order the inputs were found. */
export function buildIndex(
  plan: Plan,
  outcomes: ReadonlyMap<string, Outcome>,
  context: IndexContext,
): IndexFile {
  const entries: IndexEntry[] = plan.entries.map((entry) => {
    if (entry.kind === "problem") {
      return {
        input: entry.display,
        path: entry.absolute,
        status: entry.status,
        code: entry.code,
        reason: entry.reason,
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      };
    }
    if (entry.kind === "resumed") return resumedEntry(entry.file.display, entry.record);
    const outcome = outcomes.get(entry.file.absolute);
    const base = { input: entry.file.display, path: entry.file.absolute };
    if (outcome === undefined) {
      return {
        ...base,
        status: "skipped",
        code: context.interrupted ? "interrupted" : "not_run",
        reason: context.interrupted
          ? "interrupted before it finished; rerun with --resume"
          : "not run: the run stopped before reaching it",
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      };
    }
    return {
      ...base,
      status: outcome.status,
      ...(outcome.code === undefined ? {} : { code: outcome.code }),
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ...(outcome.output === undefined ? {} : { output: outcome.output }),
      ...(outcome.chunks === undefined ? {} : { chunks: outcome.chunks }),
      calls: outcome.calls,
      inputTokens: outcome.inputTokens,
      outputTokens: outcome.outputTokens,
      costUsd: roundUsd(outcome.costUsd),
      ...(outcome.model === undefined ? {} : { model: outcome.model }),
    };
  });
  let costUsd: number | null = 0;
  for (const entry of entries)
    costUsd = costUsd === null || entry.costUsd === null ? null : costUsd + entry.costUsd;
  return {
    version: 1,
    generatedAt: new Date().toISOString(),
    complete: context.complete && entries.every((entry) => !UNFINISHED_CODES.has(entry.code ?? "")),
    interrupted: context.interrupted,
    provider: context.options.provider,
    model: context.modelId,
    batch: context.options.batch,
    totals: {
      inputs: entries.length,
      ok: entries.filter((entry) => entry.status === "ok").length,
      error: entries.filter((entry) => entry.status === "error").length,
      skipped: entries.filter((entry) => entry.status === "skipped").length,
      inputTokens: entries.reduce((sum, entry) => sum + entry.inputTokens, 0),
      outputTokens: entries.reduce((sum, entry) => sum + entry.outputTokens, 0),
      costUsd: roundUsd(costUsd),
    },
    inputs: entries,
  };
}

function resumedEntry(display: string, record: FileRecord): IndexEntry {
  return {
    input: display,
    path: record.input,
    status: "ok",
    ...(record.output === undefined ? {} : { output: record.output }),
    chunks: record.chunks,
    calls: record.calls,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    costUsd: record.costUsd,
    ...(record.model === undefined ? {} : { model: record.model }),
    resumed: true,
  };
}
