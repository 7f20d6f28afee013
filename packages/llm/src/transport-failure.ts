import type { RequestOutcome, TransportFailure } from "./errors.js";
import type { AbortSignalLike } from "./platform.js";

/**
 * Telling connection-level failures apart, for adapters over fetch or an SDK on top of it. What the
 * client saw decides: whether a connection was made at all (system error codes under fetch's
 * "fetch failed"), whether the response head had arrived, and whether part of the answer had.
 */

/** Codes that mean no connection was made, so the request never reached the server. */
const NEVER_CONNECTED: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** How far an attempt had got when its connection failed. */
export interface AttemptProgress {
  /** The response's status and headers had arrived. */
  readonly responseStarted: boolean;
  /** Part of a streamed answer had arrived (at least one event). */
  readonly answerStarted?: boolean;
}

/** What an adapter knows about a failed attempt beyond the error itself: the input of its error mapping. */
export interface AttemptFailureContext {
  /** The caller's signal: once it fired, every failure is reported as `AbortedError`. */
  readonly signal?: AbortSignalLike | undefined;
  /** Whether the attempt's own `timeoutMs` ran out. */
  readonly timedOut?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
  /** The API key, so that nothing copied from the response or the cause can carry it. */
  readonly secret?: string | undefined;
  /** How far the attempt had got; tells the kinds of connection failure apart. Default: nothing arrived. */
  readonly progress?: AttemptProgress | undefined;
  /** The server's base URL, named when the connection is refused. */
  readonly baseURL?: string | undefined;
}

/** A connection-level failure's kind and what it means for the request. */
export interface TransportFailureReading {
  readonly transportFailure: TransportFailure;
  readonly requestOutcome: RequestOutcome;
}

/**
 * The kind of a connection failure. Only "refused" (no connection) is known not to have reached the
 * server; once a connection carried the request, the server may have run it.
 *
 * @example
 * classifyTransportFailure(fetchError, { responseStarted: false });
 * // → { transportFailure: "refused", requestOutcome: "not_sent" } for ECONNREFUSED
 */
export function classifyTransportFailure(error: unknown, progress: AttemptProgress): TransportFailureReading {
  if (progress.answerStarted) return { transportFailure: "stream_cut", requestOutcome: "unknown" };
  if (progress.responseStarted) return { transportFailure: "reset_after_request", requestOutcome: "unknown" };
  const code = systemErrorCode(error);
  if (code !== undefined && NEVER_CONNECTED.has(code)) {
    return { transportFailure: "refused", requestOutcome: "not_sent" };
  }
  return { transportFailure: "reset_before_response", requestOutcome: "unknown" };
}

/**
 * The `code` of the system or undici error under a fetch failure (ECONNREFUSED, ECONNRESET,
 * UND_ERR_SOCKET, …), searched through `cause` chains and AggregateErrors.
 */
export function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    // `localhost` may resolve to several addresses: Node then reports an AggregateError.
    const inner = (current as { errors?: unknown }).errors;
    if (Array.isArray(inner)) {
      const found = inner.map(systemErrorCode).find((c) => c !== undefined);
      if (found !== undefined) return found;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
