import { isLlmError, type LlmError, type LlmErrorCode } from "../errors.js";

/** A conformance check failed; the message says what the adapter did and what was expected. */
export class ConformanceError extends Error {
  readonly code = "conformance_failed";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConformanceError";
  }
}

export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

export function ensureEqual<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new ConformanceError(`${what}: expected ${show(expected)}, got ${show(actual)}.`);
  }
}

export function show(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export interface ExpectedFailure {
  readonly code: LlmErrorCode;
  readonly retryable?: boolean;
  readonly status?: number;
  /** Reject within this many ms of the call (generous: a loaded CI machine is slow). */
  readonly withinMs?: number;
}

/**
 * Awaits `action`, which must reject with an LlmError of the expected code (recognised through the
 * brand, so adapters built against another copy of @sluice/llm pass). Returns the error.
 */
export async function expectLlmError(
  action: () => Promise<unknown>,
  expected: ExpectedFailure,
  what: string,
): Promise<LlmError> {
  const started = Date.now();
  let outcome: unknown;
  try {
    outcome = await action();
  } catch (error) {
    const elapsed = Date.now() - started;
    ensure(
      isLlmError(error),
      `${what}: expected an LlmError with code "${expected.code}", but got a non-LlmError ${show(error)}. ` +
        "Adapters must map every failure (SDK errors, fetch errors, aborts) to @sluice/llm's error classes.",
    );
    ensureEqual(error.code, expected.code, `${what}: error code`);
    ensure(
      error.message.length > 0 && error.message !== error.code,
      `${what}: the error's message should say what happened and what to do.`,
    );
    if (expected.retryable !== undefined)
      ensureEqual(error.retryable, expected.retryable, `${what}: retryable`);
    if (expected.status !== undefined) ensureEqual(error.status, expected.status, `${what}: status`);
    if (expected.withinMs !== undefined) {
      ensure(
        elapsed <= expected.withinMs,
        `${what}: took ${elapsed} ms to reject; expected within ${expected.withinMs} ms.`,
      );
    }
    return error;
  }
  throw new ConformanceError(
    `${what}: expected a rejection with code "${expected.code}", but the call resolved with ${show(outcome)}.`,
  );
}

/** The key must not leak into anything a user might log. */
export function ensureNoSecret(error: LlmError, secret: string, what: string): void {
  const visible = [
    error.message,
    JSON.stringify(error.toJSON?.() ?? {}),
    JSON.stringify(error.headers ?? {}),
  ].join("\n");
  ensure(!visible.includes(secret), `${what}: the API key appears in the error's message, JSON or headers.`);
}
