/**
 * The summarizer's own errors, each with a stable `code`. Problems with single inputs are not
 * thrown: they become an index.json entry's status, code and reason.
 */
export class SummarizerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A flag or argument the user has to fix; the CLI prints the message and exits with code 2. */
export class UsageError extends SummarizerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SUMMARIZER_USAGE", message, options);
  }
}

/** The reason the run's AbortSignal carries after Ctrl-C or SIGTERM. */
export class InterruptedError extends SummarizerError {
  readonly retryable = false;

  constructor(signalName: string) {
    super("SUMMARIZER_INTERRUPTED", `Interrupted by ${signalName}.`);
  }
}

/** The message of any thrown value, for reports and index.json. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : String(error);
}

/** The stable `code` of an error from Sluice or Node, if it has one. */
export function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** A call was not sent because it could take the run past its --budget. */
export class BudgetExhaustedError extends SummarizerError {
  readonly retryable = false;

  constructor(budget: string) {
    super(
      "budget_reached",
      `budget reached: the next call could take the run past ${budget}; rerun with --resume and a larger --budget`,
    );
  }
}
