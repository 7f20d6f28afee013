import type { OutgoingHttpHeaders } from "node:http";
import type { Exchange } from "../exchange.js";

/** Anthropic's error types, each with the one status it is sent with. */
export const ANTHROPIC_ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const;

export type AnthropicErrorType = keyof typeof ANTHROPIC_ERROR_STATUS;

/** `{"type":"error","error":{"type","message","details"?},"request_id"}`, the body of every Anthropic error. */
export function anthropicErrorBody(
  type: AnthropicErrorType,
  message: string,
  requestId: string | null,
  errorCode?: string,
): Record<string, unknown> {
  return {
    type: "error",
    error: { type, message, ...(errorCode === undefined ? {} : { details: { error_code: errorCode } }) },
    request_id: requestId,
  };
}

export interface ErrorExtras {
  /** `error.details.error_code`, the stable machine-readable cause. */
  readonly errorCode?: string | undefined;
  readonly headers?: OutgoingHttpHeaders | undefined;
}

/** Sends an Anthropic error with the status of its type. */
export function sendAnthropicError(
  exchange: Exchange,
  type: AnthropicErrorType,
  message: string,
  extras: ErrorExtras = {},
): void {
  exchange.sendJson(
    ANTHROPIC_ERROR_STATUS[type],
    anthropicErrorBody(type, message, exchange.requestId, extras.errorCode),
    extras.headers,
  );
}

/**
 * The request's JSON body, or undefined once it has answered a body that is too large (413
 * `request_too_large`) or not JSON (400), as every Anthropic endpoint does.
 */
export async function readAnthropicBody(
  exchange: Exchange,
  maxBytes: number,
): Promise<{ readonly value: unknown } | undefined> {
  const body = await exchange.readJson(maxBytes);
  if (body.ok) return { value: body.value };
  sendAnthropicError(
    exchange,
    body.status === 413 ? "request_too_large" : "invalid_request_error",
    body.message,
  );
  return undefined;
}
