import type { LlmError, LlmErrorCode } from "../errors.js";
import { ensure, ensureEqual, ensureNoSecret, expectLlmError, show } from "./assert.js";
import { needEmulator, PROMPTLY_MS } from "./check-support.js";
import { SHORT_PROMPT, userRequest } from "./fixtures.js";
import type { ConformanceCheck, ConformanceCheckId, FaultKind } from "./types.js";

interface ErrorCase {
  readonly id: ConformanceCheckId;
  readonly kind: FaultKind;
  readonly code: LlmErrorCode;
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly verify?: (error: LlmError) => void;
}

const ERROR_CASES: readonly ErrorCase[] = [
  {
    id: "error-rate-limit",
    kind: "rate_limit",
    code: "rate_limited",
    retryable: true,
    status: 429,
    retryAfterSeconds: 3,
    verify: (error) => {
      ensureEqual(error.retryAfterMs, 3000, "rate_limit: retryAfterMs (from retry-after: 3)");
      ensure(
        error.headers?.["retry-after"] !== undefined,
        "rate_limit: error.headers must carry retry-after (lower-cased).",
      );
    },
  },
  {
    id: "error-ramp-limit",
    kind: "ramp_limit",
    code: "rate_limited",
    retryable: true,
    status: 429,
    verify: (error) => ensureEqual(error.errorCode, "ramp_limit_exceeded", "ramp_limit: errorCode"),
  },
  {
    id: "error-overloaded",
    kind: "overloaded",
    code: "overloaded",
    retryable: true,
    status: 529,
    verify: (error) => ensureEqual(error.errorType, "overloaded_error", "overloaded: errorType"),
  },
  { id: "error-server", kind: "server_error", code: "server_error", retryable: true, status: 500 },
  {
    id: "error-authentication",
    kind: "authentication",
    code: "authentication",
    retryable: false,
    status: 401,
  },
  { id: "error-permission", kind: "permission", code: "permission", retryable: false, status: 403 },
  {
    id: "error-invalid-request",
    kind: "invalid_request",
    code: "invalid_request",
    retryable: false,
    status: 400,
  },
  { id: "error-context-length", kind: "context_length", code: "context_length", retryable: false },
  { id: "error-not-found", kind: "not_found", code: "not_found", retryable: false, status: 404 },
  {
    id: "error-spend-cap",
    kind: "spend_cap",
    code: "quota_exceeded",
    retryable: false,
    status: 429,
    verify: (error) =>
      ensure(
        error.retryAfterMs === undefined,
        `spend_cap: a spend cap sends no retry-after, so retryAfterMs must stay undefined (got ${show(error.retryAfterMs)}).`,
      ),
  },
  { id: "error-insufficient-quota", kind: "insufficient_quota", code: "quota_exceeded", retryable: false },
  {
    id: "error-connection-reset",
    kind: "connection_reset",
    code: "connection",
    retryable: true,
    // The emulator read the request and dropped the connection: it may have run it.
    verify: (error) => ensureOutcome(error, "unknown", "reset_before_response", "connection_reset"),
  },
];

export const errorChecks: ConformanceCheck[] = ERROR_CASES.map((testCase) => ({
  id: testCase.id,
  title: `${testCase.kind} → ${testCase.code} (${testCase.retryable ? "retryable" : "not retryable"})`,
  needsEmulator: true,
  async run(context) {
    const emulator = needEmulator(context);
    emulator.failNext(
      testCase.kind,
      testCase.retryAfterSeconds === undefined
        ? undefined
        : { retryAfterSeconds: testCase.retryAfterSeconds },
    );
    const error = await expectLlmError(
      () => context.model.generate(userRequest(SHORT_PROMPT, { transportRetries: 0 })),
      {
        code: testCase.code,
        retryable: testCase.retryable,
        ...(testCase.status === undefined ? {} : { status: testCase.status }),
        withinMs: PROMPTLY_MS,
      },
      testCase.kind,
    );
    ensureNoSecret(error, context.apiKey, testCase.kind);
    if (testCase.status !== undefined) ensureOutcome(error, "refused", undefined, testCase.kind);
    testCase.verify?.(error);
  },
}));

/** That the error says what became of the request and, for connection failures, how it failed. */
export function ensureOutcome(
  error: LlmError,
  requestOutcome: NonNullable<LlmError["requestOutcome"]>,
  transportFailure: LlmError["transportFailure"],
  what: string,
): void {
  ensureEqual(
    error.requestOutcome,
    requestOutcome,
    `${what}: requestOutcome (limiters and budgets settle the reservation by it)`,
  );
  if (transportFailure !== undefined) {
    ensureEqual(error.transportFailure, transportFailure, `${what}: transportFailure`);
  }
}
