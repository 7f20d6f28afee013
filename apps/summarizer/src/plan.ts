import { promises as fs } from "node:fs";
import path from "node:path";
import { type BoundTerm, lowerBound, type RateLimits } from "./bound.js";
import { chunkText } from "./chunk.js";
import type { DiscoveredFile, InputEntry, InputProblem } from "./inputs.js";
import type { FileRecord } from "./journal.js";
import { type CallEstimate, estimateDocument } from "./prompts.js";
import { readTextFileSync } from "./read.js";

/** One input after the pre-pass: to summarize, finished earlier, or not summarizable. */
export type PlanEntry =
  | {
      readonly kind: "todo";
      readonly file: DiscoveredFile;
      readonly hash: string;
      readonly chunks: number;
      readonly estimate: CallEstimate;
    }
  | { readonly kind: "resumed"; readonly file: DiscoveredFile; readonly record: FileRecord }
  | InputProblem;

export interface PlanOptions {
  readonly maxFileBytes: number;
  readonly chunkTokens: number;
  readonly maxTokens: number;
  readonly outDir: string;
  /** Finished records by input path (--resume); undefined to redo everything. */
  readonly finished?: ReadonlyMap<string, FileRecord>;
  /** Files read at once. */
  readonly concurrency?: number;
}

export interface Plan {
  readonly entries: readonly PlanEntry[];
  readonly totals: {
    readonly todo: number;
    readonly resumed: number;
    readonly problems: number;
    readonly calls: number;
    readonly inputTokens: number;
    /** At max-tokens per call: the most the calls can produce. */
    readonly maxOutputTokens: number;
  };
}

/**
 * The pre-pass: reads every file once (with blocking reads: nothing else runs yet; text dropped right after), to
 * validate it, hash it, count its chunks and estimate its calls; with --resume, matches it against
 * the journal. Used by --dry-run, and by a real run to know its work before the first call.
 *
 * @example
 * const plan = await planRun(await discoverInputs(["docs/"], { cwd }), { maxFileBytes, chunkTokens: 6000, maxTokens: 512, outDir });
 */
export async function planRun(inputs: readonly InputEntry[], options: PlanOptions): Promise<Plan> {
  const entries: PlanEntry[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const position = next++;
      const input = inputs[position]!;
      entries[position] =
        input.kind === "problem" ? { ...input, kind: "problem" } : await planFile(input, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));

  let todo = 0;
  let resumed = 0;
  let problems = 0;
  let calls = 0;
  let inputTokens = 0;
  let maxOutputTokens = 0;
  for (const entry of entries) {
    if (entry.kind === "todo") {
      todo += 1;
      calls += entry.estimate.calls;
      inputTokens += entry.estimate.inputTokens;
      maxOutputTokens += entry.estimate.outputTokens;
    } else if (entry.kind === "resumed") resumed += 1;
    else problems += 1;
  }
  return { entries, totals: { todo, resumed, problems, calls, inputTokens, maxOutputTokens } };
}

async function planFile(file: DiscoveredFile, options: PlanOptions): Promise<PlanEntry> {
  const read = readTextFileSync(file.absolute, { maxBytes: options.maxFileBytes });
  if (!read.ok) {
    return {
      kind: "problem",
      display: file.display,
      absolute: file.absolute,
      status: read.status,
      code: read.code,
      reason: read.reason,
    };
  }
  const record = options.finished?.get(file.absolute);
  if (record !== undefined && record.hash === read.hash && record.output !== undefined) {
    const exists = await fs
      .stat(path.join(options.outDir, record.output))
      .then((stats) => stats.isFile())
      .catch(() => false);
    if (exists) return { kind: "resumed", file, record };
  }
  const chunks = chunkText(read.text, options.chunkTokens);
  const estimate = estimateDocument(
    chunks,
    path.basename(file.absolute),
    options.maxTokens,
    options.chunkTokens,
  );
  return { kind: "todo", file, hash: read.hash, chunks: chunks.length, estimate };
}

/** Output tokens a summary call is expected to produce (5–6 sentences), for the dry run's figures. */
export const EXPECTED_OUTPUT_TOKENS = 160;

export interface DryRunFile {
  readonly input: string;
  readonly status: "summarize" | "resume" | "error" | "skipped";
  readonly reason?: string;
  readonly chunks?: number;
  readonly calls?: number;
  readonly inputTokens?: number;
}

/** What --dry-run reports: the files, the estimated work and cost, and the fastest possible time. */
export interface DryRun {
  readonly files: readonly DryRunFile[];
  readonly totals: {
    readonly inputs: number;
    readonly summarize: number;
    readonly resume: number;
    readonly problems: number;
    readonly calls: number;
    readonly inputTokens: number;
    readonly expectedOutputTokens: number;
    readonly maxOutputTokens: number;
  };
  /** Dollars, expected (typical summary length) and at most (every call at max-tokens); null: no price. */
  readonly cost: { readonly expectedUsd: number; readonly maxUsd: number } | null;
  /** The fastest possible time at the given limits; undefined when there is nothing to bound. */
  readonly fastest: { readonly ms: number; readonly limitedBy: BoundTerm } | undefined;
  /** The limits and latency the bound assumed, in words. */
  readonly assumptions: string;
}

export interface DryRunContext {
  readonly maxTokens: number;
  /** Limits as the bound sees them (undefined per-minute entries: unknown or unlimited). */
  readonly limits: RateLimits | undefined;
  /** Latency of one call producing `outputTokens`, in real ms. */
  readonly latencyMs: (outputTokens: number) => number;
  readonly assumptions: string;
  /** Dollars for a token count; null when the model has no price. */
  readonly price: (inputTokens: number, outputTokens: number) => number | null;
}

/**
 * The dry run's report from a plan: per-file work, estimated tokens and cost, and the lower bound
 * of limits-and-bounds.md at the given limits (bucket capacity 0: the safe number).
 */
export function describeDryRun(plan: Plan, context: DryRunContext): DryRun {
  const files: DryRunFile[] = plan.entries.map((entry) => {
    if (entry.kind === "todo") {
      return {
        input: entry.file.display,
        status: "summarize",
        chunks: entry.chunks,
        calls: entry.estimate.calls,
        inputTokens: entry.estimate.inputTokens,
      };
    }
    if (entry.kind === "resumed") {
      return {
        input: entry.file.display,
        status: "resume",
        reason: `finished earlier: ${entry.record.output}`,
      };
    }
    return { input: entry.display, status: entry.status, reason: entry.reason };
  });
  const { calls, inputTokens, maxOutputTokens } = plan.totals;
  const perCall = Math.min(context.maxTokens, EXPECTED_OUTPUT_TOKENS);
  const expectedOutputTokens = calls * perCall;
  const expected = context.price(inputTokens, expectedOutputTokens);
  const most = context.price(inputTokens, maxOutputTokens);
  const fastest =
    context.limits === undefined || calls === 0
      ? undefined
      : lowerBound(
          {
            calls,
            inputTokens,
            outputTokens: expectedOutputTokens,
            latencySumMs: calls * context.latencyMs(perCall),
            latencyMinMs: context.latencyMs(perCall),
          },
          context.limits,
        );
  return {
    files,
    totals: {
      inputs: plan.entries.length,
      summarize: plan.totals.todo,
      resume: plan.totals.resumed,
      problems: plan.totals.problems,
      calls,
      inputTokens,
      expectedOutputTokens,
      maxOutputTokens,
    },
    cost: expected === null || most === null ? null : { expectedUsd: expected, maxUsd: most },
    fastest: fastest === undefined ? undefined : { ms: fastest.ms, limitedBy: fastest.limitedBy },
    assumptions: context.assumptions,
  };
}
