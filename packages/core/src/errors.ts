/** Base class of every error Sluice throws itself; `code` is stable across versions, match on it. */
export class SluiceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A constructor or option got a value it cannot work with; the message says which and what to pass. */
export class InvalidArgumentError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_argument", message, options);
  }
}

/** One exec attempt ran past the node's `timeout`. It counts as a failed attempt and may be retried. */
export class ExecTimeoutError extends SluiceError {
  readonly timeoutMs: number;

  constructor(nodeName: string, timeoutMs: number) {
    super(
      "exec_timeout",
      `${nodeName}: an exec attempt took longer than its timeout of ${timeoutMs} ms. ` +
        "Raise the node's `timeout` option, or make exec honour `this.signal` to stop sooner.",
    );
    this.timeoutMs = timeoutMs;
  }
}

/** A flow visited more nodes than `maxSteps` allows, which almost always means an endless loop. */
export class MaxStepsExceededError extends SluiceError {
  readonly maxSteps: number;

  constructor(flowName: string, maxSteps: number, lastNode: string, lastAction: string) {
    super(
      "max_steps_exceeded",
      `${flowName} stopped after ${maxSteps} steps (last: ${lastNode} → "${lastAction}"). ` +
        "If the loop is intended to run longer, pass a larger `maxSteps` to the Flow; otherwise check " +
        "the action that should end it.",
    );
    this.maxSteps = maxSteps;
  }
}

/** The run was cancelled through its signal without a reason of its own. */
export class AbortError extends SluiceError {
  constructor(message = "The run was aborted.") {
    super("aborted", message);
  }
}

/**
 * @deprecated Renamed to `ExecTimeoutError` (code `exec_timeout`) so it no longer shares a name with
 * @sluice/llm's request timeout. This alias goes away in the next minor release.
 */
export const TimeoutError = ExecTimeoutError;
/** @deprecated Use `ExecTimeoutError`. */
export type TimeoutError = ExecTimeoutError;
