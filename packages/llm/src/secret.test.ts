import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { redactRecord, redactSecret, redactUrl, safeCause } from "./secret.js";

const KEY = "sk-test-0123456789abcdef";

describe("redactSecret and redactRecord", () => {
  it("replaces every occurrence of the key", () => {
    expect(redactSecret(`key=${KEY}; again ${KEY}`, KEY)).toBe("key=[redacted]; again [redacted]");
    expect(redactRecord({ "x-echo": `Bearer ${KEY}`, "request-id": "req_1" }, KEY)).toEqual({
      "x-echo": "Bearer [redacted]",
      "request-id": "req_1",
    });
  });

  it("leaves text alone without a key, or with a placeholder key shorter than 8 characters", () => {
    expect(redactSecret("a b c", undefined)).toBe("a b c");
    expect(redactSecret("a b c", "")).toBe("a b c");
    expect(redactSecret("x marks the spot", "x")).toBe("x marks the spot");
    expect(redactSecret(undefined, KEY)).toBeUndefined();
  });
});

describe("redactUrl", () => {
  it("drops credentials, the query string and a trailing slash, then redacts", () => {
    expect(redactUrl("https://user:hunter2@gateway.example/v1/?api_key=abc", undefined)).toBe(
      "https://gateway.example/v1",
    );
    expect(redactUrl(`http://127.0.0.1:9/${KEY}/v1`, KEY)).toBe("http://127.0.0.1:9/[redacted]/v1");
  });

  it("only redacts text that is not a URL", () => {
    expect(redactUrl(`not a url ${KEY}`, KEY)).toBe("not a url [redacted]");
  });
});

describe("safeCause", () => {
  it("keeps an error that does not mention the key", () => {
    const error = new Error("socket hang up");
    expect(safeCause(error, KEY)).toBe(error);
    expect(safeCause(error, undefined)).toBe(error);
  });

  it("replaces an error that mentions the key in its message, cause chain, properties or errors list", () => {
    const withCause = new Error("outer", { cause: new Error(`inner ${KEY}`) });
    const withProperty = Object.assign(new Error("request failed"), { request: { headers: { auth: KEY } } });
    const aggregate = new AggregateError([new Error(`connect ${KEY}`)], "fetch failed");
    for (const error of [new TypeError(`bad header ${KEY}`), withCause, withProperty, aggregate]) {
      const safe = safeCause(error, KEY);
      expect(safe).not.toBe(error);
      expect(safe).toBeInstanceOf(Error);
      expect((safe as Error).name).toBe(error.name);
      expect(inspect(safe, { depth: 12, showHidden: true })).not.toContain(KEY);
    }
    expect((safeCause(new TypeError(`bad header ${KEY}`), KEY) as Error).message).toBe(
      "bad header [redacted]",
    );
  });

  it("copes with cycles and values that are not errors", () => {
    const cyclic: Record<string, unknown> = { name: "cyclic" };
    cyclic.self = cyclic;
    expect(safeCause(cyclic, KEY)).toBe(cyclic);
    expect(safeCause(`plain ${KEY}`, KEY)).toMatchObject({ message: "plain [redacted]" });
  });
});
