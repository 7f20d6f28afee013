import type { FileRecord } from "../journal.js";
import type { SummarizerServices } from "./services.js";
import type { FileJob, FileWork, Outcome, SummarizerShared } from "./shared.js";

/** Codes of files that stopped for the run's sake (budget, setup), not because of their content. */
const NOT_ITS_FAULT = new Set(["budget_reached", "run_stopped", "unreachable"]);

export const NO_USAGE = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } as const;

/** A file that was loaded and then failed: its usage so far, with the reason. */
export function failureOutcome(work: FileWork, code: string, reason: string): Outcome {
  return {
    // Stopped by the budget or the run, not failed by its own fault: --resume picks it up.
    status: NOT_ITS_FAULT.has(code) ? "skipped" : "error",
    code,
    reason,
    ...workSoFar(work),
    ...(work.usage.model === undefined ? {} : { model: work.usage.model }),
  };
}

/** The outcome fields every loaded file reports, ok or not: its hash, parts and usage so far. */
export function workSoFar(work: FileWork) {
  return {
    hash: work.hash,
    chunks: work.chunks.length,
    calls: work.usage.calls,
    inputTokens: work.usage.inputTokens,
    outputTokens: work.usage.outputTokens,
    costUsd: work.usage.costUsd,
  };
}

/**
 * Records how a file ended and lets go of what it held (its budget reservation, its text). Errors
 * of files that were read are journaled too, so the journal tells the whole story; --resume only
 * skips `ok` records.
 */
export async function finishFile(
  services: SummarizerServices,
  shared: SummarizerShared,
  index: number,
  outcome: Outcome,
): Promise<void> {
  shared.outcomes.set(index, outcome);
  const work = shared.work.get(index);
  const stats = services.stats;
  if (work !== undefined) {
    shared.work.delete(index);
    work.reservation.close();
    stats.filesInFlight -= 1;
    stats.doneWork += work.estimate.inputTokens;
    stats.doneActual += work.usage.inputTokens;
  }
  if (outcome.status === "ok") stats.filesOk += 1;
  else if (outcome.status === "error") stats.filesFailed += 1;
  else stats.filesSkipped += 1;
  const job = shared.jobs[index];
  if (outcome.status === "error" && outcome.hash !== undefined && job !== undefined) {
    await services.journal.append(journalRecord(services, job, outcome));
  }
}

/** The journal line of a finished file. */
export function journalRecord(services: SummarizerServices, job: FileJob, outcome: Outcome): FileRecord {
  return {
    v: 1,
    type: "file",
    input: job.file.absolute,
    hash: outcome.hash ?? "",
    status: outcome.status,
    ...(outcome.output === undefined ? {} : { output: outcome.output }),
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    chunks: outcome.chunks ?? 0,
    calls: outcome.calls,
    inputTokens: outcome.inputTokens,
    outputTokens: outcome.outputTokens,
    costUsd: outcome.costUsd,
    ...(outcome.model === undefined ? {} : { model: outcome.model }),
    provider: services.provider,
    ...(services.batch ? { batch: true } : {}),
    at: new Date().toISOString(),
  };
}
