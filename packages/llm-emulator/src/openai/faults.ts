import type { Exchange } from "../exchange.js";
import { faultRetryAfter, type InjectedFault } from "../faults.js";
import type { FaultKind } from "../options.js";
import type { Runtime } from "../runtime.js";
import { type OpenAiError, sendOpenAiError } from "./errors.js";
import { limitHeaders } from "./headers.js";

interface FaultError extends OpenAiError {
  readonly status: number;
  /** Send the current x-ratelimit headers (429s do). */
  readonly limitHeaders?: boolean;
  /** Send a retry-after (never for insufficient_quota, which retrying cannot fix). */
  readonly retryAfter?: boolean;
}

const TAG = " (emulated fault)";

/** The 400 an OpenAI server sends for a prompt above the context window. */
export function contextLengthError(inputTokens: number, window: number): OpenAiError {
  return {
    message:
      `This model's maximum context length is ${window} tokens. However, your messages resulted in ` +
      `${inputTokens} tokens. Please reduce the length of the messages.`,
    type: "invalid_request_error",
    param: "messages",
    code: "context_length_exceeded",
  };
}

/** What each pre-admission fault looks like on an OpenAI-compatible server. */
function faultError(kind: FaultKind, model: string, inputTokens: number, contextWindow: number): FaultError {
  switch (kind) {
    case "rate_limit":
    case "ramp_limit":
      return {
        status: 429,
        message: `Rate limit reached for ${model}. Please try again later.${TAG}`,
        type: "requests",
        code: "rate_limit_exceeded",
        limitHeaders: true,
        retryAfter: true,
      };
    case "spend_cap":
    case "insufficient_quota":
      return {
        status: 429,
        message: `You exceeded your current quota, please check your plan and billing details.${TAG}`,
        type: "insufficient_quota",
        code: "insufficient_quota",
        limitHeaders: true,
      };
    case "overloaded":
    case "midstream_overloaded":
      return {
        status: 503,
        message: `The server is overloaded or not ready yet.${TAG}`,
        type: "server_error",
        code: null,
      };
    case "server_error":
      return {
        status: 500,
        message: `The server had an error while processing your request.${TAG}`,
        type: "server_error",
        code: null,
      };
    case "authentication":
      return {
        status: 401,
        message: `Incorrect API key provided.${TAG}`,
        type: "invalid_request_error",
        code: "invalid_api_key",
      };
    case "permission":
      return {
        status: 403,
        message: `You are not allowed to use this model.${TAG}`,
        type: "invalid_request_error",
        code: "permission_denied",
      };
    case "invalid_request":
      return {
        status: 400,
        message: `The request is invalid.${TAG}`,
        type: "invalid_request_error",
        code: null,
      };
    case "context_length":
      return { status: 400, ...contextLengthError(Math.max(inputTokens, contextWindow + 1), contextWindow) };
    case "not_found":
      return {
        status: 404,
        message: `The model \`${model}\` does not exist or you do not have access to it.${TAG}`,
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      };
    case "connection_reset":
    case "slow":
    case "malformed_json":
    case "reset_after_answer":
    case "stream_cut":
      throw new Error(`The ${kind} fault has no error response.`);
  }
}

/** Answers a chat request with an injected fault that happens before admission. */
export function sendOpenAiFault(
  runtime: Runtime,
  exchange: Exchange,
  fault: InjectedFault,
  model: string,
  inputTokens: number,
): void {
  if (fault.kind === "connection_reset") {
    runtime.stats.current.connectionResets++;
    exchange.destroy();
    return;
  }
  const options = runtime.options();
  const {
    status,
    limitHeaders: withLimits,
    retryAfter,
    ...error
  } = faultError(fault.kind, model, inputTokens, options.contextWindowTokens);
  const headers: Record<string, string> = withLimits ? limitHeaders(runtime) : {};
  const retryAfterValue = retryAfter ? faultRetryAfter(fault, options) : undefined;
  if (retryAfterValue !== undefined) headers["retry-after"] = retryAfterValue;
  sendOpenAiError(exchange, status, error, headers);
}
