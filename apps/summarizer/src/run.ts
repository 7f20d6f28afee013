import { promises as fs } from "node:fs";
import path from "node:path";
import { formatBudgetAmount } from "./budget.js";
import { printDryRun } from "./dry-run.js";
import { messageOf } from "./errors.js";
import { type ExecutedRun, executeRun } from "./execute.js";
import { EXIT, exitCodeOf, statusOfRun } from "./exit-codes.js";
import { buildIndex } from "./index-file.js";
import type { CallRetryOptions } from "./nodes/index.js";
import type { SummarizerOptions } from "./options.js";
import { type IndexFile, writeIndex } from "./outputs.js";
import type { DryRun } from "./plan.js";
import { displayPath, type PreparedRun, prepareRun } from "./prepare.js";
import { endpointFor, preloadProvider } from "./providers.js";
import { buildReport, formatReport, type RunReport, shellQuote } from "./report.js";
import { RunStats } from "./stats.js";
import type { StatusLine } from "./status-line.js";

/** Where a run writes, what it listens to, and how it was invoked. */
export interface RunIo {
  /** The report (and, for --demo, the summaries); JSON with --json. */
  readonly stdout: NodeJS.WritableStream;
  /** Progress, notes and, with --json, the human report. */
  readonly stderr: NodeJS.WritableStream;
  /** Draw the live bar (true) or print plain progress lines (false). */
  readonly isTTY: boolean;
  /** The terminal's live line, when the caller prints messages above it too (the command line does). */
  readonly statusLine?: StatusLine;
  readonly cwd: string;
  /** How the program was started, e.g. ["summarize", "docs/", "--out", "s"]; for the resume hint. */
  readonly command: readonly string[];
  /** Aborting it stops the run as Ctrl-C does: in-flight calls are aborted and index.json is written. */
  readonly signal?: AbortSignal;
  /** Retry settings of model calls. Default: 8 attempts, backoff from 1 s to 30 s (retry-after honoured). */
  readonly retry?: CallRetryOptions;
  /** Plain progress line interval. Default 5 s. */
  readonly progressIntervalMs?: number;
}

export interface RunResult {
  readonly exitCode: number;
  readonly report?: RunReport;
  readonly dryRun?: DryRun;
  readonly index?: IndexFile;
}

/**
 * Runs the summarizer in three steps: prepare (find the inputs, plan them), execute (summarize every
 * file, writing each summary as soon as it is done, and index.json at the end or on interrupt) and
 * report. Resolves to the exit code; never calls process.exit.
 *
 * @example
 * const { exitCode } = await runSummarizer(resolveOptions(["docs/"], {}, { cwd, env: process.env }),
 *   { stdout: process.stdout, stderr: process.stderr, isTTY: false, cwd, command: ["summarize", "docs/"] });
 */
export async function runSummarizer(options: SummarizerOptions, io: RunIo): Promise<RunResult> {
  preloadProvider(options);
  const prepared = await prepareRun(options, io);
  if (options.dryRun) return printDryRun(options, prepared.plan, prepared.modelId, io);
  if (prepared.plan.totals.todo === 0 && prepared.plan.totals.resumed === 0) return nothingToDo(prepared, io);
  return reportRun(prepared, await executeRun(prepared, io), io);
}

/** The last step: the exit code, the report, and for --demo the summaries themselves. */
async function reportRun(prepared: PreparedRun, run: ExecutedRun, io: RunIo): Promise<RunResult> {
  const { options } = prepared;
  const status = statusOfRun({
    interrupted: run.interrupted,
    badSetup: run.setupProblem !== undefined,
    budgetReached: run.budget.reached,
    failed: run.index.totals.error > 0 || run.runError !== undefined,
  });
  const exitCode = exitCodeOf(status);
  const report = buildReport({
    options,
    modelId: run.modelId,
    endpoint: run.endpoint,
    index: run.index,
    indexPath: run.indexPath,
    stats: run.stats,
    exitCode,
    status,
    ...(run.setupProblem === undefined ? {} : { reason: messageOf(run.setupProblem) }),
    limits: run.limits,
    budget:
      options.budget === undefined
        ? undefined
        : {
            limit: run.budget.describe(),
            spent: formatBudgetAmount(options.budget.unit, run.budget.spent),
            reached: run.budget.reached,
          },
    resumeCommand: status === "interrupted" || status === "budget_reached" ? resumeCommand(io) : undefined,
    outDir: displayPath(io.cwd, options.outDir),
  });
  if (options.demo && !options.json) await printSummaries(run.index, options.outDir, io.stdout);
  emitReport(report, options, io);
  return { exitCode, report, index: run.index };
}

/** No input can be summarized: index.json still lists every input with its reason. */
async function nothingToDo(prepared: PreparedRun, io: RunIo): Promise<RunResult> {
  const { options, plan, modelId } = prepared;
  const index = buildIndex(plan, new Map(), { options, modelId, interrupted: false, complete: false });
  await fs.mkdir(options.outDir, { recursive: true });
  const indexPath = await writeIndex(options.outDir, index);
  const message =
    plan.entries.length === 0
      ? "Nothing to summarize: no inputs."
      : `Nothing to summarize: none of the ${plan.entries.length} inputs could be read as text (see ${displayPath(io.cwd, indexPath)}).`;
  const report = buildReport({
    options,
    modelId,
    endpoint: endpointFor(options),
    index,
    indexPath: displayPath(io.cwd, indexPath),
    stats: new RunStats(),
    exitCode: EXIT.nothingReadable,
    status: "nothing_readable",
    reason: message,
    limits: undefined,
    budget: undefined,
    resumeCommand: undefined,
    outDir: displayPath(io.cwd, options.outDir),
  });
  io.stderr.write(`${message}\n`);
  emitReport(report, options, io);
  return { exitCode: EXIT.nothingReadable, report, index };
}

function emitReport(report: RunReport, options: SummarizerOptions, io: RunIo): void {
  if (options.json) {
    io.stderr.write(formatReport(report));
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout.write(formatReport(report));
  }
}

/** --demo: the summaries themselves, before the report. */
async function printSummaries(index: IndexFile, outDir: string, out: NodeJS.WritableStream): Promise<void> {
  for (const entry of index.inputs) {
    if (entry.status !== "ok" || entry.output === undefined) continue;
    const text = await fs.readFile(path.join(outDir, entry.output), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const [heading = "", ...rest] = text.split("\n");
    const body = rest.join("\n").split("\n---\n")[0]?.trim() ?? "";
    out.write(`${heading.replace(/^#\s*/, "## ")}\n\n${body}\n\n`);
  }
}

/** The command to type to finish the work: the same one, with --resume. */
export function resumeCommand(io: Pick<RunIo, "command" | "cwd">): string {
  const [program = "summarize", ...args] = io.command;
  const programWords =
    path.basename(program) === "summarize" ? ["summarize"] : ["node", displayPath(io.cwd, program)];
  return shellQuote([...programWords, ...args.filter((arg) => arg !== "--resume"), "--resume"]);
}
