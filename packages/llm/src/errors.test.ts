import { describe, expect, it } from "vitest";
import {
  AbortedError,
  AuthenticationError,
  ConnectionError,
  ContextLengthError,
  InvalidRequestError,
  isLlmError,
  LLM_ERROR_RETRYABLE,
  LlmConfigurationError,
  LlmError,
  NotFoundError,
  OverloadedError,
  PermissionError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from "./errors.js";

const classes = [
  [RateLimitError, "rate_limited", true],
  [OverloadedError, "overloaded", true],
  [ServerError, "server_error", true],
  [TimeoutError, "timeout", true],
  [ConnectionError, "connection", true],
  [AuthenticationError, "authentication", false],
  [PermissionError, "permission", false],
  [InvalidRequestError, "invalid_request", false],
  [ContextLengthError, "context_length", false],
  [QuotaExceededError, "quota_exceeded", false],
  [AbortedError, "aborted", false],
  [NotFoundError, "not_found", false],
] as const;

describe("error classes", () => {
  it.each(classes)("%o has its stable code and retryable flag", (ErrorClass, code, retryable) => {
    const error = new ErrorClass({ status: 418, requestId: "req_1" });
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(LLM_ERROR_RETRYABLE[code]).toBe(retryable);
    expect(error.name).toBe(ErrorClass.name);
    expect(error.message.length).toBeGreaterThan(20);
    expect(isLlmError(error)).toBe(true);
    expect(isLlmError(error, code)).toBe(true);
  });

  it("carries every detail an adapter knows, and the cause", () => {
    const cause = new Error("socket hang up");
    const error = new RateLimitError({
      status: 429,
      retryAfterMs: 2500,
      requestId: "req_42",
      headers: { "retry-after": "3" },
      errorType: "rate_limit_error",
      errorCode: "ramp_limit_exceeded",
      provider: "anthropic",
      providerMessage: "Slow down",
      cause,
    });
    expect(error).toMatchObject({
      status: 429,
      retryAfterMs: 2500,
      requestId: "req_42",
      headers: { "retry-after": "3" },
      errorType: "rate_limit_error",
      errorCode: "ramp_limit_exceeded",
      provider: "anthropic",
    });
    expect(error.cause).toBe(cause);
    expect(error.message).toContain("HTTP 429");
    expect(error.message).toContain('"Slow down"');
    expect(error.message).toContain("req_42");
    expect(error.message).toContain("Retry after 2.5 s");
    expect(error.message).toContain("sudden increase");
  });

  it("quota errors are never retryable, whatever they are told", () => {
    const error = new QuotaExceededError({ status: 429, errorCode: "enforced_spend_limit_reached" });
    expect(error.retryable).toBe(false);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it("ignores non-finite retry-after values and clamps negative ones", () => {
    expect(new OverloadedError({ retryAfterMs: Number.NaN }).retryAfterMs).toBeUndefined();
    expect(new OverloadedError({ retryAfterMs: -5 }).retryAfterMs).toBe(0);
  });

  it("serializes to JSON without the cause", () => {
    const json = JSON.parse(
      JSON.stringify(new ServerError({ status: 500, cause: new Error("secret body") })),
    );
    expect(json).toMatchObject({ name: "ServerError", code: "server_error", status: 500, retryable: true });
    expect(JSON.stringify(json)).not.toContain("secret body");
  });

  it("InvalidRequestError accepts a plain message", () => {
    expect(new InvalidRequestError("maxTokens must be positive").message).toBe("maxTokens must be positive");
  });

  it("LlmConfigurationError is an LlmError with code configuration", () => {
    const error = new LlmConfigurationError("set SLUICE_PROVIDER");
    expect(isLlmError(error, "configuration")).toBe(true);
    expect(error.retryable).toBe(false);
  });
});

describe("isLlmError and instanceof across copies of the package", () => {
  it("rejects look-alikes without the brand", () => {
    expect(isLlmError({ code: "rate_limited", retryable: true })).toBe(false);
    expect(isLlmError(new Error("x"))).toBe(false);
    expect(isLlmError(null)).toBe(false);
    expect(isLlmError("rate_limited")).toBe(false);
  });

  it("recognises errors from a second instance of the module", async () => {
    // A different URL makes Vite load a separate module instance, like a duplicate install would.
    const copyUrl = "./errors.js?copy";
    const copy = (await import(/* @vite-ignore */ copyUrl)) as typeof import("./errors.js");
    expect(copy.RateLimitError).not.toBe(RateLimitError);
    const foreign = new copy.RateLimitError({ status: 429, retryAfterMs: 1000 });

    expect(isLlmError(foreign)).toBe(true);
    expect(isLlmError(foreign, "rate_limited")).toBe(true);
    expect(foreign instanceof LlmError).toBe(true);
    expect(foreign instanceof RateLimitError).toBe(true);
    expect(foreign instanceof OverloadedError).toBe(false);
    expect(new RateLimitError() instanceof copy.LlmError).toBe(true);
  });

  it("keeps instanceof strict for user subclasses", () => {
    class MyRateLimit extends RateLimitError {}
    expect(new MyRateLimit() instanceof MyRateLimit).toBe(true);
    expect(new RateLimitError() instanceof MyRateLimit).toBe(false);
  });
});
