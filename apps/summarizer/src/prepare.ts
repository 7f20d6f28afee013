import path from "node:path";
import { findModelPrice } from "@sluice/llm";
import { formatBudgetAmount } from "./budget.js";
import { UsageError } from "./errors.js";
import { discoverInputs } from "./inputs.js";
import { type FileRecord, finishedByInput, Journal } from "./journal.js";
import type { SummarizerOptions } from "./options.js";
import { type Plan, planRun } from "./plan.js";
import { modelIdFor } from "./providers.js";

/** What a run knows before it sends anything: the inputs, the plan, what an earlier run finished. */
export interface PreparedRun {
  readonly options: SummarizerOptions;
  /** The model the run will ask for. */
  readonly modelId: string;
  readonly plan: Plan;
  /** Journal records of inputs an earlier run finished, by absolute path. */
  readonly finished: ReadonlyMap<string, FileRecord>;
}

/**
 * The first step of a run: checks what can be checked without the provider, finds the inputs, reads
 * the journal of an earlier run and plans every input. Throws `UsageError` for a setup to fix.
 */
export async function prepareRun(
  options: SummarizerOptions,
  io: { readonly cwd: string; readonly stderr: NodeJS.WritableStream },
): Promise<PreparedRun> {
  const modelId = modelIdFor(options);
  if (options.budget?.unit === "usd" && findModelPrice(modelId) === undefined) {
    throw new UsageError(
      `--budget ${formatBudgetAmount("usd", options.budget.amount)}: no price is known for model ${modelId}, ` +
        'so dollars cannot be counted; give a token budget instead (e.g. --budget "500k tokens").',
    );
  }
  const entries = await discoverInputs(options.inputs, { cwd: io.cwd, outDir: options.outDir });
  const finished = finishedByInput(await Journal.read(options.outDir));
  if (!options.resume && !options.dryRun && !options.demo && finished.size > 0) {
    io.stderr.write(
      `note: ${displayPath(io.cwd, options.outDir)} holds ${finished.size} summaries from an earlier run; ` +
        "they will be redone (add --resume to keep the unchanged ones).\n",
    );
  }
  const plan = await planRun(entries, {
    maxFileBytes: options.maxFileBytes,
    chunkTokens: options.chunkTokens,
    maxTokens: options.maxTokens,
    outDir: options.outDir,
    ...(options.resume ? { finished } : {}),
  });
  return { options, modelId, plan, finished };
}

/** A path as the user would type it from `cwd`: relative when inside, absolute otherwise. */
export function displayPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}
