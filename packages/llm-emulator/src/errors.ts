/** Base class of the errors the emulator throws to its user; `code` is stable, match on it. */
export class EmulatorError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option passed to `startEmulator`, `configure` or `failNext` cannot be used; the message says which. */
export class InvalidOptionError extends EmulatorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SLUICE_EMULATOR_INVALID_OPTION", message, options);
  }
}

/** The HTTP server could not listen (port taken, host not local, …); `cause` holds the system error. */
export class EmulatorStartError extends EmulatorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SLUICE_EMULATOR_START_FAILED", message, options);
  }
}
