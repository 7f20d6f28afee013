import { inspect } from "node:util";
import { isLlmError, type LlmError } from "../errors.js";

/**
 * Awaits `action` and returns the LlmError it rejected with, for a test to assert on; throws when it
 * resolved or rejected with anything else. To catch a stream's failure, drain it inside the action.
 *
 * @example
 * const error = await caughtLlmError(() => model.generate(request));
 * expect(error).toMatchObject({ code: "rate_limited", retryAfterMs: 2000 });
 * const streamed = await caughtLlmError(() => collectEvents(model.stream(request)));
 */
export async function caughtLlmError(action: () => Promise<unknown>): Promise<LlmError> {
  try {
    await action();
  } catch (error) {
    if (isLlmError(error)) return error;
    throw new Error(`Expected an LlmError, got ${inspect(error)}`, { cause: error });
  }
  throw new Error("Expected the call to fail with an LlmError, but it succeeded.");
}

/**
 * Every way a user might print an error, joined: JSON, `String()`, `util.inspect` with and without
 * hidden properties (cause chains included) and the stack. Assert that an API key is nowhere in it.
 *
 * @example
 * expect(printedForms(error)).not.toContain(API_KEY);
 */
export function printedForms(error: unknown): string {
  return [
    JSON.stringify(error),
    String(error),
    inspect(error, { depth: 12, showHidden: true }),
    inspect(error, { depth: 12 }),
    (error as Error | undefined)?.stack ?? "",
  ].join("\n");
}
