import { type Span, SpanStatusCode } from "@opentelemetry/api";
import { isLlmError } from "@sluice/llm";
import { GENERAL } from "./attributes.js";

/**
 * `error.type` as the conventions ask: a low-cardinality name of the failure. Sluice errors give
 * their stable `code` (`rate_limited`, `overloaded`, `exec_timeout`, …), others their class name.
 */
export function errorType(error: unknown): string {
  if (isLlmError(error)) return error.code;
  if (typeof error === "object" && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && name !== "" && name !== "Error") return name;
  }
  return "_OTHER";
}

/** Marks a span failed: status ERROR with the message, `error.type`, and the exception event. */
export function recordFailure(span: Span, error: unknown): void {
  span.setAttribute(GENERAL.ERROR_TYPE, errorType(error));
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (error instanceof Error) span.recordException(error);
  else span.recordException(message);
}
