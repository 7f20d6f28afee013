import { describe, expect, it } from "vitest";
import { anthropicErrorRules } from "./anthropic-rules.js";
import { retryAfterMsFromHeaders } from "./durations.js";
import { isLlmError, QuotaExceededError, ServerError } from "./errors.js";
import { headersToRecord } from "./headers.js";
import { errorFromDetails, errorFromHttp, parseProviderErrorBody } from "./http.js";

const anthropicBody = (type: string, errorCode?: string) =>
  JSON.stringify({
    type: "error",
    error: {
      type,
      message: `${type} happened`,
      ...(errorCode ? { details: { error_code: errorCode } } : {}),
    },
    request_id: "req_body",
  });

describe("headers", () => {
  it("lower-cases names from Headers and plain objects", () => {
    expect(headersToRecord(new Headers({ "Retry-After": "2", "Request-Id": "req_1" }))).toEqual({
      "retry-after": "2",
      "request-id": "req_1",
    });
    expect(
      headersToRecord({ "X-RateLimit-Remaining": "5", "Set-Cookie": ["a", "b"], Skip: undefined }),
    ).toEqual({
      "x-ratelimit-remaining": "5",
      "set-cookie": "a, b",
    });
    expect(headersToRecord(undefined)).toEqual({});
  });

  it("reads retry-after-ms, retry-after seconds and retry-after dates", () => {
    expect(retryAfterMsFromHeaders({ "retry-after-ms": "1500", "retry-after": "9" })).toBe(1500);
    expect(retryAfterMsFromHeaders({ "retry-after": "3" })).toBe(3000);
    expect(retryAfterMsFromHeaders({ "retry-after": "0.5" })).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMsFromHeaders({ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }, now)).toBe(10_000);
    expect(retryAfterMsFromHeaders({ "retry-after": "soon" })).toBeUndefined();
    expect(retryAfterMsFromHeaders({})).toBeUndefined();
  });
});

describe("parseProviderErrorBody", () => {
  it("reads Anthropic's and OpenAI's shapes", () => {
    expect(parseProviderErrorBody(anthropicBody("rate_limit_error", "ramp_limit_exceeded"))).toEqual({
      errorType: "rate_limit_error",
      errorCode: "ramp_limit_exceeded",
      message: "rate_limit_error happened",
      requestId: "req_body",
    });
    expect(
      parseProviderErrorBody({
        error: { type: "insufficient_quota", code: "insufficient_quota", message: "no credit" },
      }),
    ).toEqual({ errorType: "insufficient_quota", errorCode: "insufficient_quota", message: "no credit" });
  });

  it("returns nothing for bodies it cannot read", () => {
    expect(parseProviderErrorBody("<html>Bad gateway</html>")).toEqual({});
    expect(parseProviderErrorBody(undefined)).toEqual({});
  });
});

describe("errorFromHttp", () => {
  it.each([
    [400, "invalid_request_error", undefined, "invalid_request"],
    [401, "authentication_error", undefined, "authentication"],
    [402, "billing_error", undefined, "quota_exceeded"],
    [403, "permission_error", undefined, "permission"],
    [404, "not_found_error", undefined, "not_found"],
    [413, "request_too_large", undefined, "context_length"],
    [400, "invalid_request_error", "context_length_exceeded", "context_length"],
    [429, "rate_limit_error", undefined, "rate_limited"],
    [429, "rate_limit_error", "ramp_limit_exceeded", "rate_limited"],
    [429, "rate_limit_error", "enforced_spend_limit_reached", "quota_exceeded"],
    [429, "insufficient_quota", "insufficient_quota", "quota_exceeded"],
    [500, "api_error", undefined, "server_error"],
    [502, "api_error", undefined, "server_error"],
    [503, "overloaded_error", undefined, "overloaded"],
    [504, "timeout_error", undefined, "timeout"],
    [529, "overloaded_error", undefined, "overloaded"],
  ] as const)("%i %s (%s) → %s", (status, type, errorCode, code) => {
    const error = errorFromHttp({
      status,
      headers: { "request-id": "req_header", "retry-after": "2" },
      body: anthropicBody(type, errorCode),
      provider: "anthropic",
    });
    expect(isLlmError(error, code)).toBe(true);
    expect(error.status).toBe(status);
    expect(error.requestId).toBe("req_header");
    expect(error.errorType).toBe(type);
    expect(error.errorCode).toBe(errorCode);
    expect(error.provider).toBe("anthropic");
    expect(error.headers?.["retry-after"]).toBe("2");
    expect(error.retryAfterMs).toBe(2000);
  });

  it("maps errors that arrive inside a stream (no status) by their type", () => {
    expect(errorFromHttp({ body: anthropicBody("overloaded_error") }).code).toBe("overloaded");
    expect(errorFromHttp({ body: anthropicBody("api_error") }).code).toBe("server_error");
    expect(errorFromHttp({ body: {} }).code).toBe("server_error");
  });

  it("keeps a spend-cap 429 without retry-after non-retryable with no wait", () => {
    const error = errorFromHttp({
      status: 429,
      body: anthropicBody("rate_limit_error", "enforced_spend_limit_reached"),
    });
    expect(error.retryable).toBe(false);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.requestId).toBe("req_body");
  });

  it("treats a plain 429 without retry-after as a retryable rate limit", () => {
    const error = errorFromHttp({ status: 429, body: "" });
    expect(error.code).toBe("rate_limited");
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it("quotes the provider's message and attaches the cause", () => {
    const cause = new Error("sdk error");
    const error = errorFromHttp({ status: 400, body: anthropicBody("invalid_request_error"), cause });
    expect(error.message).toContain('"invalid_request_error happened"');
    expect(error.cause).toBe(cause);
  });
});

describe("errorFromDetails", () => {
  it.each([
    [400, "invalid_request"],
    [401, "authentication"],
    [402, "quota_exceeded"],
    [403, "permission"],
    [404, "not_found"],
    [408, "timeout"],
    [409, "server_error"],
    [413, "context_length"],
    [418, "invalid_request"],
    [422, "invalid_request"],
    [429, "rate_limited"],
    [500, "server_error"],
    [502, "server_error"],
    [503, "overloaded"],
    [504, "timeout"],
    [529, "overloaded"],
  ] as const)("status %i → %s, with the details as the error's fields", (status, code) => {
    const cause = new Error("raw");
    const error = errorFromDetails({ status, requestId: "req_1", provider: "acme", errorType: "x", cause });
    expect(error.code).toBe(code);
    expect(error).toMatchObject({ status, requestId: "req_1", provider: "acme", errorType: "x" });
    expect(error.cause).toBe(cause);
  });

  it("asks the provider's classify first, and falls back to the status when it declines", () => {
    const seen: unknown[] = [];
    const rules = {
      classify: (details: { errorCode?: string }) => {
        seen.push(details);
        return details.errorCode === "out_of_credits" ? new QuotaExceededError(details) : undefined;
      },
    };
    expect(errorFromDetails({ status: 429, errorCode: "out_of_credits" }, rules).code).toBe("quota_exceeded");
    expect(errorFromDetails({ status: 429, errorCode: "slow_down" }, rules).code).toBe("rate_limited");
    expect(seen).toHaveLength(2);
  });

  it("maps a failure without a status by its type, unless the provider says how", () => {
    const byType = (errorType: string) => errorFromDetails({ errorType }).code;
    expect(byType("overloaded_error")).toBe("overloaded");
    expect(byType("rate_limit_error")).toBe("rate_limited");
    expect(byType("authentication_error")).toBe("authentication");
    expect(byType("permission_error")).toBe("permission");
    expect(byType("not_found_error")).toBe("not_found");
    expect(byType("invalid_request_error")).toBe("invalid_request");
    expect(byType("request_too_large")).toBe("invalid_request");
    expect(byType("timeout_error")).toBe("timeout");
    expect(byType("api_error")).toBe("server_error");
    expect(errorFromDetails({}).code).toBe("server_error");
    const custom = errorFromDetails(
      { errorType: "overloaded_error" },
      { withoutStatus: (d) => new ServerError(d) },
    );
    expect(custom.code).toBe("server_error");
  });

  it("errorFromHttp reads a status no provider documents by the body's type", () => {
    expect(errorFromHttp({ status: 418, body: anthropicBody("rate_limit_error") }).code).toBe("rate_limited");
    expect(errorFromHttp({ status: 418, body: { error: { type: "rate_limit_exceeded" } } }).code).toBe(
      "rate_limited",
    );
    expect(errorFromHttp({ status: 418, body: "" }).code).toBe("invalid_request");
  });
});

describe("anthropicErrorRules", () => {
  const read = (status: number, body: string, headers: Record<string, string> = {}) =>
    errorFromHttp({ status, headers, body, provider: "anthropic" }, anthropicErrorRules).code;

  it("reads a 429 without retry-after in Anthropic's header dialect as a spend cap", () => {
    const dialect = { "anthropic-ratelimit-requests-remaining": "10" };
    expect(read(429, anthropicBody("rate_limit_error"), dialect)).toBe("quota_exceeded");
    expect(read(429, anthropicBody("rate_limit_error"), { ...dialect, "retry-after": "2" })).toBe(
      "rate_limited",
    );
    expect(read(429, anthropicBody("rate_limit_error", "ramp_limit_exceeded"), dialect)).toBe("rate_limited");
    // A bare 429 from a platform that sends no headers stays a rate limit.
    expect(read(429, anthropicBody("rate_limit_error"))).toBe("rate_limited");
  });

  it("reads a 413 as an invalid request and a 5xx overloaded_error as capacity", () => {
    expect(read(413, anthropicBody("request_too_large"))).toBe("invalid_request");
    expect(read(500, anthropicBody("overloaded_error"))).toBe("overloaded");
    expect(read(504, anthropicBody("overloaded_error"))).toBe("timeout");
    // The neutral reading, for comparison.
    expect(errorFromHttp({ status: 413, body: anthropicBody("request_too_large") }).code).toBe(
      "context_length",
    );
  });
});
