import { describe, expect, it } from "vitest";
import { estimateInputTokens, estimateTextTokens, TokenEstimator } from "./estimate.js";
import type { Usage } from "./model.js";

const usage = (inputTokens: number): Usage => ({
  inputTokens,
  outputTokens: 10,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
});

const prose =
  "Rivers carry sediment to the sea, and where they slow down they drop it, building deltas over centuries. ";

describe("estimateTextTokens", () => {
  it("overestimates English prose relative to ~4 characters per token", () => {
    const text = prose.repeat(20);
    expect(estimateTextTokens(text)).toBeGreaterThanOrEqual(Math.ceil(text.length / 4));
    expect(estimateTextTokens(text)).toBe(Math.ceil(text.length / 3.5));
  });

  it("counts dense scripts and emoji as a token per character", () => {
    expect(estimateTextTokens("東京都庁")).toBe(4);
    expect(estimateTextTokens("🙂🙂")).toBe(2);
    expect(estimateTextTokens("été")).toBe(Math.ceil(1 / 3.5 + 2 / 2));
  });

  it("is zero for empty text and honours charsPerToken", () => {
    expect(estimateTextTokens("")).toBe(0);
    expect(estimateTextTokens("abcdefgh", 2)).toBe(4);
  });
});

describe("estimateInputTokens", () => {
  it("adds per-request and per-message overhead, system included", () => {
    const request = { system: "Be brief.", messages: [{ role: "user" as const, content: "Hello there" }] };
    expect(estimateInputTokens(request)).toBe(10 + 5 + Math.ceil(9 / 3.5) + 5 + Math.ceil(11 / 3.5));
    expect(estimateInputTokens(request, { tokensPerMessage: 0, tokensPerRequest: 0, charsPerToken: 1 })).toBe(
      20,
    );
  });
});

describe("TokenEstimator", () => {
  const request = { messages: [{ role: "user" as const, content: prose.repeat(10) }] };

  it("starts uncalibrated", () => {
    const estimator = new TokenEstimator();
    expect(estimator.ratio).toBe(1);
    expect(estimator.estimate(request)).toBe(estimator.rawEstimate(request));
  });

  it("rises quickly when it underestimated and falls slowly when it overestimated", () => {
    const estimator = new TokenEstimator();
    const raw = estimator.rawEstimate(request);
    estimator.observe(request, usage(raw * 2));
    expect(estimator.ratio).toBeCloseTo(1.5);
    estimator.observe(request, usage(Math.round(raw * 0.5)));
    expect(estimator.ratio).toBeCloseTo(1.5 - 0.1 * (1.5 - 0.5), 2);
    expect(estimator.observed).toBe(2);
  });

  it("converges towards the observed ratio and stays clamped", () => {
    const estimator = new TokenEstimator({ maxRatio: 2 });
    const raw = estimator.rawEstimate(request);
    for (let i = 0; i < 20; i += 1) estimator.observe(request, usage(raw * 5));
    expect(estimator.ratio).toBe(2);
    const low = new TokenEstimator();
    for (let i = 0; i < 200; i += 1) low.observe(request, usage(Math.round(raw * 0.8)));
    expect(low.ratio).toBeCloseTo(0.8, 1);
    expect(low.estimate(request)).toBeGreaterThanOrEqual(Math.round(raw * 0.8));
  });

  it("counts cache reads and writes as input, and ignores empty observations", () => {
    const estimator = new TokenEstimator();
    const raw = estimator.rawEstimate(request);
    estimator.observe(request, { ...usage(0), cacheReadInputTokens: raw * 2 });
    expect(estimator.ratio).toBeCloseTo(1.5);
    estimator.record(0, 100);
    estimator.record(100, 0);
    expect(estimator.observed).toBe(1);
  });

  it("rejects nonsensical options", () => {
    expect(() => new TokenEstimator({ charsPerToken: 0 })).toThrow(RangeError);
    expect(() => new TokenEstimator({ minRatio: 2 })).toThrow(RangeError);
    expect(() => new TokenEstimator({ riseRate: 0 })).toThrow(RangeError);
  });
});

describe("estimateTextTokens by code unit", () => {
  // The rule as first written, by code point with a regex: the fast loop must count exactly as it does.
  const DENSE = /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[\u{10000}-\u{10ffff}]/u;
  const byCodePoint = (text: string) => {
    let ascii = 0;
    let dense = 0;
    let other = 0;
    for (const char of text) {
      if ((char.codePointAt(0) ?? 0) < 0x80) ascii += 1;
      else if (DENSE.test(char)) dense += 1;
      else other += 1;
    }
    return text === "" ? 0 : Math.ceil(ascii / 3.5 + dense + other / 2);
  };

  it("counts every range edge, surrogate pairs and lone surrogates as the code-point rule does", () => {
    const edges = [
      0x7f, 0x80, 0x10ff, 0x1100, 0x11ff, 0x1200, 0x2e7f, 0x2e80, 0x9fff, 0xa000, 0xabff, 0xac00,
    ];
    edges.push(
      0xd7af,
      0xd7b0,
      0xd800,
      0xdbff,
      0xdc00,
      0xdfff,
      0xf8ff,
      0xf900,
      0xfaff,
      0xfb00,
      0xfeff,
      0xff00,
    );
    edges.push(0xffef, 0xfff0, 0xffff);
    const singles = edges.map((code) => String.fromCharCode(code));
    const samples = [
      ...singles,
      singles.join(""),
      "😀 emoji 𝒳 and 漢字 and hangul 한국어 and é",
      "\ud800", // lone high surrogate
      "a\udc00b", // lone low surrogate
      "\ud83d\ud83d\ude00", // a high surrogate before a pair
      "plain ASCII prose, nothing else.",
    ];
    for (const sample of samples)
      expect(estimateTextTokens(sample), JSON.stringify(sample)).toBe(byCodePoint(sample));
  });
});
