import path from "node:path";
import { Node } from "@sluice/core";
import { type Budget, formatBudgetAmount, type Reservation } from "../budget.js";
import { chunkText } from "../chunk.js";
import { messageOf } from "../errors.js";
import { type CallEstimate, documentTitle, estimateDocument } from "../prompts.js";
import { readTextFile } from "../read.js";
import { finishFile, NO_USAGE } from "./finish-file.js";
import type { SummarizerServices } from "./services.js";
import { type FileJob, type FileParams, jobOf, type SummarizerShared } from "./shared.js";

type Loaded =
  | {
      readonly kind: "loaded";
      readonly hash: string;
      readonly title: string;
      readonly chunks: string[];
      readonly estimate: CallEstimate;
      readonly reservation: Reservation;
    }
  | {
      readonly kind: "unreadable";
      readonly status: "error" | "skipped";
      readonly code: string;
      readonly reason: string;
    }
  | { readonly kind: "not_started"; readonly code: string; readonly reason: string };

/**
 * Reads and validates one file, splits it into chunks that fit the model's context and reserves its
 * estimated cost in the budget. Ends the file's flow ("done") when it cannot or should not go on.
 */
export class LoadFile extends Node<SummarizerShared, FileParams> {
  constructor(private readonly services: SummarizerServices) {
    super({ name: "LoadFile" });
  }

  override async prep(shared: SummarizerShared): Promise<FileJob> {
    return jobOf(shared, this._params.index);
  }

  override async exec(job: FileJob): Promise<Loaded> {
    const { services } = this;
    if (services.control.stopped) return runStopped(services);
    const read = await readTextFile(job.file.absolute, { maxBytes: services.maxFileBytes });
    if (!read.ok) return { kind: "unreadable", status: read.status, code: read.code, reason: read.reason };
    const title = documentTitle(read.text, path.basename(job.file.absolute));
    const chunks = chunkText(read.text, services.chunkTokens);
    const estimate = estimateDocument(chunks, title, services.maxTokens, services.chunkTokens);
    const reservation = await services.budget.reserve(estimate, this.signal);
    if (reservation === undefined) {
      return this.signal.aborted ? interrupted() : budgetReached(services.budget, estimate);
    }
    return { kind: "loaded", hash: read.hash, title, chunks, estimate, reservation };
  }

  override async post(shared: SummarizerShared, job: FileJob, loaded: Loaded): Promise<string> {
    if (loaded.kind !== "loaded") {
      const status = loaded.kind === "unreadable" ? loaded.status : "skipped";
      await finishFile(this.services, shared, job.index, {
        status,
        code: loaded.code,
        reason: loaded.reason,
        ...NO_USAGE,
      });
      return "done";
    }
    shared.work.set(job.index, {
      hash: loaded.hash,
      title: loaded.title,
      chunks: loaded.chunks,
      estimate: loaded.estimate,
      reservation: loaded.reservation,
      summaries: [],
      usage: { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, model: undefined },
    });
    this.services.stats.filesInFlight += 1;
    return "default";
  }
}

function runStopped(services: SummarizerServices): Loaded {
  return {
    kind: "not_started",
    code: "run_stopped",
    reason: `not started: the run stopped after an error every call would hit (${messageOf(services.control.stopReason)})`,
  };
}

function budgetReached(budget: Budget, estimate: CallEstimate): Loaded {
  const unit = budget.limit?.unit ?? "tokens";
  const needs = formatBudgetAmount(unit, budget.measureOf(estimate));
  const left = formatBudgetAmount(unit, Math.max(0, (budget.limit?.amount ?? 0) - budget.spent));
  return {
    kind: "not_started",
    code: "budget_reached",
    reason: `budget reached: not started, its worst case (${needs}) did not fit in what was left of ${budget.describe()} (${left}); rerun with --resume and a larger --budget`,
  };
}

function interrupted(): Loaded {
  return {
    kind: "not_started",
    code: "interrupted",
    reason: "interrupted before it started; rerun with --resume",
  };
}
