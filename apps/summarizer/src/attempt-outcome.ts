/**
 * What a failed attempt tells about the request: whether it reached the server and may have been
 * billed. @sluice/llm's errors say it in `requestOutcome` ("not_sent" | "refused" | "unknown") once
 * the adapters set it; before that (and for errors from elsewhere) it is inferred: an error status
 * means the server refused and generated nothing, a refused connection or a failed DNS lookup means
 * nothing was sent, and any other failure after the request went out may have run and been billed.
 */
export type AttemptOutcome = "not_sent" | "refused" | "unknown";

/** Set on errors thrown by an attempt that reached the transport (see `instrumentModel`). */
const REACHED_TRANSPORT = Symbol.for("@sluice/summarizer/reached-transport");

/** Network errors that mean the request never left: nothing listening, no such host, no route. */
const NOT_SENT_CAUSES = new Map([
  ["ECONNREFUSED", "connection refused"],
  ["ENOTFOUND", "no such host"],
  ["EAI_AGAIN", "the host name could not be resolved"],
  ["EHOSTUNREACH", "no route to the host"],
  ["ENETUNREACH", "the network is unreachable"],
  ["EADDRNOTAVAIL", "the address is not available"],
  ["BAD_PORT", "fetch refuses to connect to this port; use another one"],
]);

/** Marks an error as coming from an attempt that was handed to the transport. */
export function markReachedTransport(error: unknown): void {
  if (typeof error !== "object" || error === null || Object.isFrozen(error)) return;
  Object.defineProperty(error, REACHED_TRANSPORT, { value: true, enumerable: false, configurable: true });
}

export function attemptOutcome(error: unknown): AttemptOutcome {
  if (typeof error !== "object" || error === null) return "unknown";
  // Refused by the throttle, the budget or the run's own gate: never handed to the transport.
  if ((error as Record<symbol, unknown>)[REACHED_TRANSPORT] !== true) return "not_sent";
  const declared = (error as { requestOutcome?: unknown }).requestOutcome;
  if (declared === "not_sent" || declared === "refused" || declared === "unknown") return declared;
  if (typeof (error as { status?: unknown }).status === "number") return "refused";
  return isUnreachable(error) ? "not_sent" : "unknown";
}

/** Whether the failure says nothing is reachable at the address (as opposed to a cut connection). */
export function isUnreachable(error: unknown): boolean {
  return unreachableCause(error) !== undefined;
}

/** Why nothing could be reached, in a few words ("connection refused"), or undefined. */
export function unreachableCause(error: unknown): string | undefined {
  const code = networkCode(error);
  return code === undefined ? undefined : NOT_SENT_CAUSES.get(code);
}

/** The first Node network error code (`ECONNREFUSED`…) along the error's cause chain. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 6) return undefined;
  const { code, cause, errors, message } = error as {
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
    message?: unknown;
  };
  if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
  // fetch refuses ports it deems unsafe (e.g. 9, 25, 6000) before connecting, with no code.
  if (message === "bad port") return "BAD_PORT";
  // Happy eyeballs: a host with several addresses fails with an AggregateError of each attempt.
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = networkCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return networkCode(cause, depth + 1);
}
