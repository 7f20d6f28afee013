/**
 * How a run ends: its status (in the report and --json) and exit code, one row each. `--help` and
 * the README list the same rows; two rows share code 2, the setup to fix being a flag or the
 * environment the flags point at.
 */
export const EXIT_CODES = [
  {
    status: "complete",
    code: 0,
    meaning: "every input summarized (or skipped as empty, duplicate, or finished earlier)",
  },
  { status: "some_failed", code: 1, meaning: "some inputs failed (each reason is in index.json)" },
  { status: "usage", code: 2, meaning: "usage error (a flag or argument to fix)" },
  {
    status: "bad_setup",
    code: 2,
    meaning: "setup error: server unreachable, API key rejected, unknown model (nothing more was sent)",
  },
  { status: "nothing_readable", code: 3, meaning: "nothing could be read as text" },
  {
    status: "budget_reached",
    code: 4,
    meaning: "--budget reached before all work was done (rerun with --resume and a larger budget)",
  },
  {
    status: "interrupted",
    code: 130,
    meaning: "interrupted by Ctrl-C or SIGTERM (finished summaries are kept; rerun with --resume)",
  },
] as const;

export type RunStatus = (typeof EXIT_CODES)[number]["status"];

/** How a run that got past its flags ended (a usage error ends before a run exists). */
export type RunEnd = Exclude<RunStatus, "usage">;

/** The exit code of each status. */
export function exitCodeOf(status: RunStatus): number {
  return EXIT_CODES.find((row) => row.status === status)!.code;
}

/** Exit codes by name, for code that means one of them. */
export const EXIT = {
  ok: exitCodeOf("complete"),
  someFailed: exitCodeOf("some_failed"),
  usage: exitCodeOf("usage"),
  badSetup: exitCodeOf("bad_setup"),
  nothingReadable: exitCodeOf("nothing_readable"),
  budgetReached: exitCodeOf("budget_reached"),
  interrupted: exitCodeOf("interrupted"),
} as const;

/** What decides how a run that did start ended. */
export interface RunFacts {
  readonly interrupted: boolean;
  /** The run stopped because the setup is wrong (unreachable server, rejected key, unknown model). */
  readonly badSetup: boolean;
  readonly budgetReached: boolean;
  /** Inputs that ended in error, or the run itself stopped unexpectedly. */
  readonly failed: boolean;
}

/** The first row whose condition holds decides: an interrupt outranks a bad setup, then the budget, then failures. */
const PRECEDENCE: readonly (readonly [RunEnd, (facts: RunFacts) => boolean])[] = [
  ["interrupted", (facts) => facts.interrupted],
  ["bad_setup", (facts) => facts.badSetup],
  ["budget_reached", (facts) => facts.budgetReached],
  ["some_failed", (facts) => facts.failed],
  ["complete", () => true],
];

export function statusOfRun(facts: RunFacts): RunEnd {
  return PRECEDENCE.find(([, applies]) => applies(facts))![0];
}

/** The "Exit codes:" section of --help. */
export function exitCodesHelp(): string {
  return EXIT_CODES.map((row) => `  ${String(row.code).padEnd(4)} ${row.meaning}`).join("\n");
}
