import type { OutgoingHttpHeaders } from "node:http";
import type { Exchange } from "../exchange.js";

/** The `error` object of an OpenAI error body. */
export interface OpenAiError {
  readonly message: string;
  /** e.g. invalid_request_error, server_error, insufficient_quota, tokens, requests. */
  readonly type: string;
  readonly code: string | null;
  readonly param?: string | null;
}

/** Sends `{"error": {message, type, param, code}}` with `status`. */
export function sendOpenAiError(
  exchange: Exchange,
  status: number,
  error: OpenAiError,
  headers: OutgoingHttpHeaders = {},
): void {
  exchange.sendJson(
    status,
    { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } },
    headers,
  );
}
