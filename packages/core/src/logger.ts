/** Where Sluice sends its warnings. Pass `null` wherever a logger is accepted to silence them. */
export interface Logger {
  warn(message: string): void;
}

let defaultLogger: Logger | null = { warn: (message) => console.warn(message) };

/**
 * Replaces the logger used when a run names none (the default writes to `console.warn`).
 * Pass `null` to silence Sluice's warnings everywhere, e.g. in tests.
 */
export function setDefaultLogger(logger: Logger | null): void {
  defaultLogger = logger;
}

export function getDefaultLogger(): Logger | null {
  return defaultLogger;
}
