import { describe, expect, it } from "vitest";
import { feedbackFromError, type ProviderFeedback, readFeedback } from "./feedback.js";

const kind = (feedback: ProviderFeedback) => readFeedback(feedback, 0).kind;

describe("readFeedback", () => {
  it.each<[string, ProviderFeedback, string]>([
    ["a success", { status: 200 }, "ok"],
    ["nothing at all", {}, "ok"],
    ["a 429 with retry-after", { status: 429, headers: { "retry-after": "5" } }, "rate_limited"],
    ["a 429 with retryAfterMs", { status: 429, retryAfterMs: 5 }, "rate_limited"],
    ["a 429 with rate_limit_exceeded", { status: 429, errorCode: "rate_limit_exceeded" }, "rate_limited"],
    [
      "a 429 with a bucket at zero",
      { status: 429, headers: { "x-ratelimit-remaining-tokens": "0" } },
      "rate_limited",
    ],
    ["a bare 429 (the spend-cap signature)", { status: 429 }, "quota_exhausted"],
    [
      "insufficient_quota",
      { status: 429, errorCode: "insufficient_quota", retryAfterMs: 1 },
      "quota_exhausted",
    ],
    ["a spend limit", { status: 429, errorCode: "enforced_spend_limit_reached" }, "quota_exhausted"],
    [
      "a 429 the error calls not retryable",
      { status: 429, retryAfterMs: 5, retryable: false },
      "quota_exhausted",
    ],
    ["a bare 429 the error calls retryable", { status: 429, retryable: true }, "rate_limited"],
    ["402 billing", { status: 402 }, "quota_exhausted"],
    ["billing_error", { status: 400, errorType: "billing_error" }, "quota_exhausted"],
    ["ramp_limit_exceeded", { status: 429, errorCode: "ramp_limit_exceeded" }, "ramp_limited"],
    ["529", { status: 529 }, "overloaded"],
    ["503", { status: 503 }, "overloaded"],
    ["a mid-stream overloaded_error", { errorType: "overloaded_error" }, "overloaded"],
    ["500", { status: 500 }, "server_error"],
    ["504 timeout_error", { status: 504, errorType: "timeout_error" }, "server_error"],
    ["400", { status: 400, errorType: "invalid_request_error" }, "client_error"],
  ])("classifies %s", (_name, feedback, expected) => {
    expect(kind(feedback)).toBe(expected);
  });

  it("reads the error type and code from an Anthropic body, as text or object", () => {
    const body = {
      type: "error",
      error: { type: "rate_limit_error", message: "x", details: { error_code: "ramp_limit_exceeded" } },
    };
    expect(readFeedback({ status: 429, body }, 0)).toMatchObject({
      kind: "ramp_limited",
      errorType: "rate_limit_error",
      errorCode: "ramp_limit_exceeded",
    });
    expect(readFeedback({ status: 429, body: JSON.stringify(body) }, 0).kind).toBe("ramp_limited");
    expect(readFeedback({ status: 500, body: "<html>oops</html>" }, 0).errorType).toBeUndefined();
  });

  it("prefers the caller's retryAfterMs over the headers", () => {
    expect(
      readFeedback({ status: 429, retryAfterMs: 100, headers: { "retry-after": "9" } }, 0).retryAfterMs,
    ).toBe(100);
    expect(readFeedback({ status: 429, headers: { "retry-after": "9" } }, 0).retryAfterMs).toBe(9_000);
  });
});

describe("feedbackFromError", () => {
  it("takes the fields an LLM error carries", () => {
    const error = Object.assign(new Error("limited"), {
      status: 429,
      retryAfterMs: 2_000,
      errorType: "rate_limit_error",
      errorCode: "rate_limit_exceeded",
      headers: { "retry-after": "2" },
      retryable: true,
    });
    expect(feedbackFromError(error)).toMatchObject({
      status: 429,
      retryAfterMs: 2_000,
      errorType: "rate_limit_error",
      errorCode: "rate_limit_exceeded",
      retryable: true,
    });
  });

  it("reads an SDK error's parsed body", () => {
    const sdkError = Object.assign(new Error("429"), {
      status: 429,
      error: {
        type: "error",
        error: { type: "rate_limit_error", details: { error_code: "enforced_spend_limit_reached" } },
      },
    });
    const feedback = feedbackFromError(sdkError)!;
    expect(readFeedback(feedback, 0).kind).toBe("quota_exhausted");
  });

  it("ignores errors without provider fields", () => {
    expect(feedbackFromError(new Error("plain"))).toBeUndefined();
    expect(feedbackFromError("text")).toBeUndefined();
    expect(feedbackFromError(null)).toBeUndefined();
  });
});
