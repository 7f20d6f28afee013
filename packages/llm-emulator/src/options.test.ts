import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "./errors.js";
import { mergeOptions, resolveOptions } from "./options.js";

describe("resolveOptions", () => {
  it("fills in defaults: loopback, free port, no limits, no latency, headers on", () => {
    const options = resolveOptions();
    expect(options).toMatchObject({
      host: "127.0.0.1",
      port: 0,
      limits: {},
      timeScale: 1,
      rateLimitHeaders: true,
    });
    expect(options.latency).toEqual({ firstTokenMs: 0, perOutputTokenMs: 0, jitter: 0 });
  });

  it.each([
    [{ port: -1 }, /port/],
    [{ timeScale: 0 }, /timeScale/],
    [{ limits: { requestsPerMinute: -5 } }, /requestsPerMinute/],
    [{ limits: { maxConcurrency: 1.5 } }, /maxConcurrency/],
    [{ limits: { rpm: 5 } as never }, /Unknown limit/],
    [{ faults: { overloadedRate: 2 } }, /overloadedRate/],
    [{ latency: { jitter: -0.1 } }, /jitter/],
    [{ summaryRatio: 0 }, /summaryRatio/],
    [{ apiKeys: [""] }, /apiKeys/],
  ])("rejects %j with a clear InvalidOptionError", (options, message) => {
    expect(() => resolveOptions(options)).toThrow(InvalidOptionError);
    expect(() => resolveOptions(options)).toThrow(message);
  });
});

describe("mergeOptions", () => {
  it("merges nested objects key by key; undefined removes a limit or restores a default", () => {
    const base = resolveOptions({
      limits: { requestsPerMinute: 50, inputTokensPerMinute: 1000 },
      latency: { firstTokenMs: 5 },
    });
    const merged = mergeOptions(base, {
      limits: { requestsPerMinute: undefined, outputTokensPerMinute: 10 },
      latency: { firstTokenMs: undefined, perOutputTokenMs: 2 },
    });
    expect(merged.limits).toEqual({ inputTokensPerMinute: 1000, outputTokensPerMinute: 10 });
    expect(merged.latency).toEqual({ firstTokenMs: 0, perOutputTokenMs: 2, jitter: 0 });
  });
});
