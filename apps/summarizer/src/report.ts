import { type BoundTerm, lowerBound, type RateLimits } from "./bound.js";
import type { RunEnd } from "./exit-codes.js";
import type { SummarizerOptions } from "./options.js";
import { type IndexEntry, type IndexFile, roundUsd } from "./outputs.js";
import type { DryRun } from "./plan.js";
import { formatCost, formatCount, formatDuration } from "./progress.js";
import type { RunStats } from "./stats.js";

export { EXIT } from "./exit-codes.js";

/** The final report, as --json prints it. */
export interface RunReport {
  readonly exitCode: number;
  readonly status: RunEnd;
  /** For "bad_setup": what stopped the run; for "nothing_readable": why. E.g. "cannot reach http://127.0.0.1:9: is the server running?". */
  readonly reason?: string;
  readonly outDir: string;
  readonly index: string;
  readonly provider: string;
  readonly model: string;
  readonly endpoint: string;
  readonly batch: boolean;
  readonly inputs: {
    readonly total: number;
    readonly ok: number;
    /** Of `ok`: taken from an earlier run's journal. */
    readonly resumed: number;
    readonly error: number;
    readonly skipped: number;
  };
  readonly calls: {
    /** Successful model calls. */
    readonly succeeded: number;
    /** HTTP attempts, failed ones included. */
    readonly attempts: number;
    readonly retries: number;
    readonly rateLimited: number;
    readonly overloaded: number;
    /** 401 and 403 answers: the key was rejected or lacks access. */
    readonly authFailures: number;
    /** Attempts that found nothing listening (connection refused, unknown host). */
    readonly unreachable: number;
    readonly otherFailures: number;
    /** Answers lost after the request went out: the server may have billed them. */
    readonly lost: number;
  };
  /** Tokens of the answers received; `lost*` are the worst cases of the answers lost (see `costIsUpperEstimate`). */
  readonly tokens: {
    readonly input: number;
    readonly output: number;
    readonly lostInput: number;
    readonly lostOutput: number;
  };
  /** Dollars spent by this run, lost answers counted at their worst case; null when no call had a known price. */
  readonly costUsd: number | null;
  /** True when answers were lost: the cost then counts each at its worst case, an upper estimate of the bill. */
  readonly costIsUpperEstimate: boolean;
  readonly wallMs: number;
  /** The fastest this run's calls could have finished at the limits in force; undefined without limits to bound. */
  readonly lowerBoundMs: number | undefined;
  readonly limitedBy: BoundTerm | undefined;
  /** Wall time as a percentage of the bound (100% would be perfect). */
  readonly percentOfBound: number | undefined;
  /** The --budget, and what was charged against it (lost answers at their worst case). */
  readonly budget: { readonly limit: string; readonly spent: string; readonly reached: boolean } | undefined;
  readonly resumeCommand: string | undefined;
  readonly problems: readonly { readonly input: string; readonly status: string; readonly reason: string }[];
}

export interface ReportContext {
  readonly options: SummarizerOptions;
  readonly modelId: string;
  readonly endpoint: string;
  readonly index: IndexFile;
  readonly indexPath: string;
  readonly stats: RunStats;
  readonly exitCode: number;
  readonly status: RunReport["status"];
  readonly reason?: string;
  readonly limits: RateLimits | undefined;
  readonly budget: RunReport["budget"];
  readonly resumeCommand: string | undefined;
  readonly outDir: string;
}

export function buildReport(context: ReportContext): RunReport {
  const { stats, index } = context;
  const wallMs = stats.elapsedMs();
  const bound =
    context.limits === undefined || stats.succeeded === 0
      ? undefined
      : lowerBound(
          {
            calls: stats.succeeded,
            inputTokens: stats.inputTokens,
            outputTokens: stats.outputTokens,
            latencySumMs: stats.latencySumMs,
            latencyMinMs: stats.latencyMinMs,
          },
          context.limits,
        );
  return {
    exitCode: context.exitCode,
    status: context.status,
    ...(context.reason === undefined ? {} : { reason: context.reason }),
    outDir: context.outDir,
    index: context.indexPath,
    provider: context.options.provider,
    model: context.modelId,
    endpoint: context.endpoint,
    batch: context.options.batch,
    inputs: {
      total: index.totals.inputs,
      ok: index.totals.ok,
      resumed: index.inputs.filter((entry) => entry.resumed === true).length,
      error: index.totals.error,
      skipped: index.totals.skipped,
    },
    calls: {
      succeeded: stats.succeeded,
      attempts: stats.attempts,
      retries: stats.retries,
      rateLimited: stats.rateLimited,
      overloaded: stats.overloaded,
      authFailures: stats.authFailures,
      unreachable: stats.unreachable,
      otherFailures: stats.otherFailures,
      lost: stats.lostAnswers,
    },
    tokens: {
      input: stats.inputTokens,
      output: stats.outputTokens,
      lostInput: stats.lostInputTokens,
      lostOutput: stats.lostOutputTokens,
    },
    costUsd:
      stats.succeeded > 0 && stats.costUnknown === stats.succeeded
        ? null
        : roundUsd(stats.costUsd + stats.lostCostUsd),
    costIsUpperEstimate: stats.lostAnswers > 0,
    wallMs,
    lowerBoundMs: bound?.ms,
    limitedBy: bound?.limitedBy,
    percentOfBound: bound === undefined || bound.ms <= 0 ? undefined : (wallMs / bound.ms) * 100,
    budget: context.budget,
    resumeCommand: context.resumeCommand,
    problems: problemsOf(index.inputs),
  };
}

/** The report as people read it. */
export function formatReport(report: RunReport): string {
  const { inputs } = report;
  const summarized = `${inputs.ok} of ${inputs.total} inputs summarized into ${report.outDir}`;
  const lines = headlineOf(report, summarized);
  lines.push(
    `  ok ${inputs.ok}${inputs.resumed > 0 ? ` (${inputs.resumed} finished earlier)` : ""} · errors ${inputs.error} · skipped ${inputs.skipped} · every input is listed in ${report.index}`,
  );
  if (report.status === "nothing_readable") {
    lines.push(`  would have used ${report.model} via ${report.endpoint}; nothing was sent`);
  } else {
    lines.push(
      `  ${report.model} via ${report.endpoint}${report.batch ? " (Message Batches, half price)" : ""}`,
    );
    lines.push(...usageLines(report));
  }
  if (report.status === "nothing_readable") {
    // Nothing ran: no time to report.
  } else if (report.lowerBoundMs !== undefined && report.percentOfBound !== undefined) {
    lines.push(
      `  wall time ${formatDuration(report.wallMs)} = ${Math.round(report.percentOfBound)}% of the ${formatDuration(report.lowerBoundMs)} lower bound (set by ${report.limitedBy})`,
    );
  } else {
    lines.push(`  wall time ${formatDuration(report.wallMs)}`);
  }
  if (report.problems.length > 0) {
    lines.push("", "Inputs not summarized:");
    const shown = report.problems.slice(0, 25);
    for (const problem of shown)
      lines.push(`  ${problem.status.padEnd(7)} ${problem.input}: ${problem.reason}`);
    if (report.problems.length > shown.length) {
      lines.push(`  … and ${report.problems.length - shown.length} more (see ${report.index})`);
    }
  }
  if (report.resumeCommand !== undefined) {
    lines.push("", "Finished summaries are kept. To do the rest, run:", `  ${report.resumeCommand}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The first line: how the run ended. The stderr note already says "Nothing to summarize", so a run
 * with nothing to do does not repeat it; a bad setup leads with what to fix.
 */
function headlineOf(report: RunReport, summarized: string): string[] {
  switch (report.status) {
    case "complete":
      return [`Done: ${summarized}`];
    case "some_failed":
      return [`Done, with failures: ${summarized}`];
    case "nothing_readable":
      return [summarized];
    case "budget_reached":
      return [`Stopped: budget reached: ${summarized}`];
    case "interrupted":
      return [`Interrupted: ${summarized}`];
    case "bad_setup":
      return [`Stopped: ${report.reason ?? "the setup is wrong"}`, `  ${summarized}`];
  }
}

/** Calls, failures by kind, tokens, cost and budget. */
function usageLines(report: RunReport): string[] {
  const { calls } = report;
  const failures = [
    `${calls.rateLimited} × 429`,
    `${calls.overloaded} × 529`,
    ...(calls.authFailures > 0 ? [`${calls.authFailures} × 401/403 (authentication)`] : []),
    ...(calls.unreachable > 0 ? [`${calls.unreachable} × cannot connect`] : []),
    ...(calls.otherFailures > 0 ? [`${calls.otherFailures} × other errors (5xx, dropped connections)`] : []),
  ];
  const cost =
    report.costUsd === null
      ? "unknown (no price for this model)"
      : `${report.costIsUpperEstimate ? "at most " : ""}${formatCost(report.costUsd)}`;
  const budget = report.budget
    ? ` · budget ${report.budget.limit}, ${report.budget.spent} charged${report.budget.reached ? " (reached)" : ""}`
    : "";
  const lines = [
    `  ${plural(calls.succeeded, "model call")} (${plural(calls.attempts, "attempt")}) · ${plural(calls.retries, "retry", "retries")} · ${failures.join(" · ")}`,
    `  tokens ${formatCount(report.tokens.input)} in / ${formatCount(report.tokens.output)} out · cost ${cost}${budget}`,
  ];
  if (calls.lost > 0) {
    lines.push(
      `  ${plural(calls.lost, "answer was", "answers were")} lost after the request went out (the server may have billed ${calls.lost === 1 ? "it" : "them"}): ` +
        `each is counted at its worst case, ${formatCount(report.tokens.lostInput)} in / ${formatCount(report.tokens.lostOutput)} out, so the cost is an upper estimate`,
    );
  }
  return lines;
}

/** Entries that need a line in the report: everything not ok. */
export function problemsOf(entries: readonly IndexEntry[]): RunReport["problems"] {
  return entries
    .filter((entry) => entry.status !== "ok")
    .map((entry) => ({ input: entry.input, status: entry.status, reason: entry.reason ?? "" }));
}

/** The dry run, as people read it. */
export function formatDryRun(plan: DryRun, header: string): string {
  const lines = [header, ""];
  for (const file of plan.files) {
    if (file.status === "summarize") {
      lines.push(
        `  summarize ${file.input}: ${file.chunks} ${file.chunks === 1 ? "part" : "parts"}, ${file.calls} ${file.calls === 1 ? "call" : "calls"}, ~${formatCount(file.inputTokens ?? 0)} tokens in`,
      );
    } else {
      lines.push(`  ${file.status.padEnd(9)} ${file.input}: ${file.reason ?? ""}`);
    }
  }
  const { totals } = plan;
  lines.push(
    "",
    `${totals.inputs} inputs: ${totals.summarize} to summarize, ${totals.resume} finished earlier, ${totals.problems} not summarizable`,
    `${totals.calls} model calls, ~${formatCount(totals.inputTokens)} input tokens, ~${formatCount(totals.expectedOutputTokens)} output tokens expected (at most ${formatCount(totals.maxOutputTokens)})`,
    plan.cost === null
      ? "cost: unknown (no price for this model)"
      : `cost: ~${formatCost(plan.cost.expectedUsd)} expected, at most ${formatCost(plan.cost.maxUsd)}`,
    plan.fastest === undefined
      ? `fastest possible time: no bound (${plan.assumptions})`
      : `fastest possible time: ${formatDuration(plan.fastest.ms)}, set by ${plan.fastest.limitedBy} (${plan.assumptions})`,
    "",
    "Nothing was sent (dry run).",
  );
  return `${lines.join("\n")}\n`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

/** A command line, quoted for a POSIX shell where needed. */
export function shellQuote(args: readonly string[]): string {
  return args
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}
