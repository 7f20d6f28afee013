/**
 * How Anthropic's errors read where they differ from the shared mapping. One home for the native
 * adapter (@sluice/llm-anthropic) and for Anthropic models behind the AI SDK (@sluice/ai-sdk), so a
 * call fails with the same typed error, and a limiter learns the same, whichever route it took.
 */

import {
  ContextLengthError,
  InvalidRequestError,
  type LlmError,
  type LlmErrorDetails,
  OverloadedError,
  QuotaExceededError,
  RateLimitError,
} from "./errors.js";
import type { ErrorMappingRules } from "./http.js";
import { isQuotaFailure } from "./quota.js";

/** `error_code`s of a 400 that mean the prompt plus max_tokens does not fit the context window. */
const CONTEXT_CODES: ReadonlySet<string> = new Set([
  "prompt_too_long",
  "context_length_exceeded",
  "context_window_exceeded",
  "model_context_window_exceeded",
]);

/** Anthropic's acceleration limit: a 429 worth retrying after a slower ramp, never a spend cap. */
const RAMP_LIMIT_CODE = "ramp_limit_exceeded";

/**
 * Anthropic's own codes and statuses, for `errorFromDetails` or `errorFromHttp`: the ramp limit is a
 * rate limit; spend caps by the shared quota table, and a 429 without `retry-after` in Anthropic's
 * header dialect (see below); its context codes; a 413 counts bytes (`request_too_large`), not tokens,
 * so it is an invalid request; a 5xx that says `overloaded_error` is capacity (a 504 stays a timeout).
 *
 * @example
 * errorFromHttp({ status, headers, body, provider: "anthropic" }, anthropicErrorRules);
 */
export const anthropicErrorRules: ErrorMappingRules = { classify: classifyAnthropicFailure };

function classifyAnthropicFailure(details: LlmErrorDetails): LlmError | undefined {
  const { status } = details;
  const type = details.errorType ?? "";
  const code = details.errorCode ?? "";
  if (code === RAMP_LIMIT_CODE) return new RateLimitError(details);
  if (isQuotaFailure(details)) return new QuotaExceededError(details);
  if (status === 429) {
    return isSpendCap429(code, details.headers, details.retryAfterMs)
      ? new QuotaExceededError(details)
      : new RateLimitError(details);
  }
  if (CONTEXT_CODES.has(code)) return new ContextLengthError(details);
  if (status === 413) return new InvalidRequestError(details);
  if (type === "overloaded_error" && status !== undefined && status >= 500 && status !== 504) {
    return new OverloadedError(details);
  }
  return undefined;
}

/**
 * Anthropic answers a spend cap with a 429 that has no `retry-after`: access only resumes when the
 * cap resets or is raised. A 429 without `retry-after` is read as a spend cap when the server
 * otherwise speaks Anthropic's header dialect (it sent `anthropic-ratelimit-*` headers) or names a
 * cause we do not know; a bare 429 from a platform that sends no headers at all stays a rate limit.
 */
function isSpendCap429(
  code: string,
  headers: Readonly<Record<string, string>> | undefined,
  retryAfterMs: number | undefined,
): boolean {
  if (retryAfterMs !== undefined) return false;
  if (code !== "") return true;
  return (
    headers !== undefined && Object.keys(headers).some((name) => name.startsWith("anthropic-ratelimit-"))
  );
}
