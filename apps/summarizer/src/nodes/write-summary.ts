import path from "node:path";
import { Node } from "@sluice/core";
import { messageOf } from "../errors.js";
import { renderSummary, writeFileAtomic } from "../outputs.js";
import { failureOutcome, finishFile, journalRecord, workSoFar } from "./finish-file.js";
import type { SummarizerServices } from "./services.js";
import {
  type FileJob,
  type FileParams,
  type FileWork,
  jobOf,
  type Outcome,
  type SummarizerShared,
  workOf,
} from "./shared.js";

type Written =
  | { readonly ok: true; readonly outcome: Outcome }
  | { readonly ok: false; readonly error: unknown };

interface ToWrite {
  readonly job: FileJob;
  readonly work: FileWork;
}

/**
 * Writes DIR/<name>.md atomically (temporary file, flush, rename), then appends the journal record
 * and waits for it to reach the disk: from then on, --resume will not redo this file.
 */
export class WriteSummary extends Node<SummarizerShared, FileParams> {
  constructor(private readonly services: SummarizerServices) {
    super({ name: "WriteSummary" });
  }

  override async prep(shared: SummarizerShared): Promise<ToWrite> {
    const index = this._params.index;
    return { job: jobOf(shared, index), work: workOf(shared, index) };
  }

  override async exec({ job, work }: ToWrite): Promise<Written> {
    const { services } = this;
    const summary = work.summaries[0]?.trim() ?? "";
    if (summary === "") return { ok: false, error: new Error("the model returned an empty summary") };
    const outcome: Outcome = {
      status: "ok",
      output: job.output,
      ...workSoFar(work),
      model: work.usage.model ?? services.model.modelId,
    };
    const writing = this.write(job, work, summary, outcome);
    services.writesInFlight.add(writing);
    try {
      await writing;
    } catch (error) {
      return { ok: false, error };
    } finally {
      services.writesInFlight.delete(writing);
    }
    return { ok: true, outcome };
  }

  private async write(job: FileJob, work: FileWork, summary: string, outcome: Outcome): Promise<void> {
    const { services } = this;
    const document = renderSummary({
      title: work.title,
      source: job.file.display,
      summary,
      model: outcome.model ?? services.model.modelId,
      chunks: work.chunks.length,
      calls: work.usage.calls,
      inputTokens: work.usage.inputTokens,
      outputTokens: work.usage.outputTokens,
      costUsd: work.usage.costUsd,
    });
    await writeFileAtomic(path.join(services.outDir, job.output), document);
    await services.journal.append(journalRecord(services, job, outcome));
    services.written.set(job.index, outcome);
  }

  override async post(shared: SummarizerShared, { job, work }: ToWrite, written: Written): Promise<string> {
    const outcome = written.ok
      ? written.outcome
      : failureOutcome(work, "write_failed", `the summary could not be written: ${messageOf(written.error)}`);
    await finishFile(this.services, shared, job.index, outcome);
    return written.ok ? "done" : "failed";
  }
}
