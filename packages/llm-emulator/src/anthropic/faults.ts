import type { Rejection } from "../admission.js";
import type { Dimension } from "../buckets.js";
import type { Exchange } from "../exchange.js";
import { faultRetryAfter, type InjectedFault } from "../faults.js";
import type { FaultKind } from "../options.js";
import { formatRetryAfter } from "../retry-after.js";
import type { Runtime } from "../runtime.js";
import { type AnthropicErrorType, sendAnthropicError } from "./errors.js";
import { anthropicRateLimitHeaders } from "./headers.js";
import type { MessageRequest } from "./request.js";

const UNITS: Record<Dimension, string> = {
  requests: "requests",
  inputTokens: "input tokens",
  outputTokens: "output tokens",
  tokens: "tokens",
};

/** The rate-limit headers of a 200 or 429, or none in no-headers mode. */
export function limitHeaders(runtime: Runtime): Record<string, string> {
  return runtime.options().rateLimitHeaders
    ? anthropicRateLimitHeaders(runtime.anthropicBuckets, runtime.clock())
    : {};
}

/** A 429 or 529 for a request that admission turned away. */
export function sendAnthropicRejection(runtime: Runtime, exchange: Exchange, rejection: Rejection): void {
  if (rejection.reason === "overloaded") {
    sendAnthropicError(exchange, "overloaded_error", "Overloaded");
    return;
  }
  const { verdict } = rejection;
  const options = runtime.options();
  const unit = UNITS[verdict.dimension];
  const message = verdict.neverFits
    ? `This request asks for ${verdict.requested} ${unit}, more than your organization's rate limit of ` +
      `${verdict.limit} ${unit} per minute, so it can never be admitted. Lower max_tokens or the prompt size.`
    : `This request would exceed your organization's rate limit of ${verdict.limit} ${unit} per minute. ` +
      "Reduce the prompt length or the maximum tokens requested, or try again later.";
  const headers = limitHeaders(runtime);
  if (options.rateLimitHeaders)
    headers["retry-after"] = formatRetryAfter(verdict.retryAfterMs, options.timeScale);
  sendAnthropicError(exchange, "rate_limit_error", message, { headers });
}

interface FaultError {
  readonly type: AnthropicErrorType;
  readonly message: string;
  readonly errorCode?: string;
  /** Send the current rate-limit headers (429s do). */
  readonly limitHeaders?: boolean;
  /** Send a retry-after (429s a client may retry; never spend caps). */
  readonly retryAfter?: boolean;
}

const TAG = " (emulated fault)";

/** What each pre-admission fault looks like on the Anthropic API. */
function faultError(kind: FaultKind, request: MessageRequest, contextWindow: number): FaultError {
  switch (kind) {
    case "rate_limit":
      return {
        type: "rate_limit_error",
        message: `This request would exceed your organization's rate limit. Try again later.${TAG}`,
        limitHeaders: true,
        retryAfter: true,
      };
    case "ramp_limit":
      return {
        type: "rate_limit_error",
        message:
          "Your usage is growing faster than your ramp limit allows; ramp up more gradually and retry after " +
          `the time in the retry-after header.${TAG}`,
        errorCode: "ramp_limit_exceeded",
        limitHeaders: true,
        retryAfter: true,
      };
    case "spend_cap":
      // No retry-after: access only resumes when the spend limit resets or is raised.
      return {
        type: "rate_limit_error",
        message:
          "You have reached your specified API usage limits. You will regain access when the limit resets; " +
          `raise it in the console to continue now.${TAG}`,
        errorCode: "enforced_spend_limit_reached",
        limitHeaders: true,
      };
    case "insufficient_quota":
      return {
        type: "billing_error",
        message: `Your credit balance is too low to access the Anthropic API. Add credits to continue.${TAG}`,
      };
    // Error responses carry the rate-limit headers too: they are the truth for what was charged.
    case "overloaded":
    case "midstream_overloaded":
      return { type: "overloaded_error", message: "Overloaded", limitHeaders: true };
    case "server_error":
      return { type: "api_error", message: `Internal server error${TAG}`, limitHeaders: true };
    case "authentication":
      return { type: "authentication_error", message: `invalid x-api-key${TAG}` };
    case "permission":
      return {
        type: "permission_error",
        message: `Your API key does not have permission to use the specified resource.${TAG}`,
      };
    case "invalid_request":
      return { type: "invalid_request_error", message: `The request is invalid.${TAG}` };
    case "context_length":
      return {
        type: "invalid_request_error",
        message: promptTooLong(Math.max(request.inputTokens, contextWindow + 1), contextWindow),
        errorCode: "prompt_too_long",
      };
    case "not_found":
      return { type: "not_found_error", message: `model: ${request.model}${TAG}` };
    case "connection_reset":
    case "slow":
    case "malformed_json":
    case "reset_after_answer":
    case "stream_cut":
      throw new Error(`The ${kind} fault has no error response.`);
  }
}

/** Answers a request with an injected fault that happens before admission (all but slow, malformed, midstream). */
export function sendAnthropicFault(
  runtime: Runtime,
  exchange: Exchange,
  fault: InjectedFault,
  request: MessageRequest,
): void {
  if (fault.kind === "connection_reset") {
    runtime.stats.current.connectionResets++;
    exchange.destroy();
    return;
  }
  const options = runtime.options();
  const error = faultError(fault.kind, request, options.contextWindowTokens);
  const headers: Record<string, string> = error.limitHeaders ? limitHeaders(runtime) : {};
  const retryAfter = error.retryAfter ? faultRetryAfter(fault, options) : undefined;
  if (retryAfter !== undefined) headers["retry-after"] = retryAfter;
  sendAnthropicError(exchange, error.type, error.message, { errorCode: error.errorCode, headers });
}

function promptTooLong(inputTokens: number, window: number): string {
  return `prompt is too long: ${inputTokens} tokens > ${window} maximum`;
}

/** 400 for a prompt above the context window; `prompt_too_long` is the code adapters map to "context length". */
export function sendPromptTooLong(exchange: Exchange, inputTokens: number, window: number): void {
  sendAnthropicError(exchange, "invalid_request_error", promptTooLong(inputTokens, window), {
    errorCode: "prompt_too_long",
  });
}
