import { describe, expect, it } from "vitest";
import { chunkText, complete, countTokens, splitSentences, summarize } from "./text.js";

const ARTICLE =
  "Rate limits protect the provider. Every organisation gets a budget of requests and tokens per minute. " +
  "Tokens refill continuously, like water into a bucket. The weather was pleasant that day. " +
  "A client that respects the token budget never sees a 429. Buckets of tokens refill at the limit per minute.";

describe("countTokens", () => {
  it("is ceil(chars / 4)", () => {
    expect(countTokens("")).toBe(0);
    expect(countTokens("abcd")).toBe(1);
    expect(countTokens("abcde")).toBe(2);
  });
});

describe("summarize", () => {
  it("keeps the highest-scoring sentences in their original order", () => {
    const summary = summarize(ARTICLE, { seed: 1, ratio: 1 / 3 });
    const sentences = splitSentences(summary);
    expect(sentences).toHaveLength(2);
    expect(summary).not.toContain("weather");
    const positions = sentences.map((sentence) => ARTICLE.indexOf(sentence));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("is deterministic for a seed", () => {
    expect(summarize(ARTICLE, { seed: 7, ratio: 0.5 })).toBe(summarize(ARTICLE, { seed: 7, ratio: 0.5 }));
  });

  it("keeps everything at ratio 1 and a lone sentence as is", () => {
    expect(splitSentences(summarize(ARTICLE, { seed: 1, ratio: 1 }))).toEqual(splitSentences(ARTICLE));
    expect(summarize("  Just one line  ", { seed: 1, ratio: 0.1 })).toBe("Just one line");
    expect(summarize("", { seed: 1, ratio: 0.5 })).toBe("");
  });
});

describe("complete", () => {
  const base = { source: ARTICLE, seed: 1, ratio: 1 };

  it("ends the turn when the summary fits", () => {
    const completion = complete({ ...base, maxTokens: 1000 });
    expect(completion.stopReason).toBe("end_turn");
    expect(completion.outputTokens).toBe(countTokens(completion.text));
  });

  it("cuts at max_tokens * 4 characters with stop reason max_tokens", () => {
    const completion = complete({ ...base, maxTokens: 5 });
    expect(completion).toMatchObject({ stopReason: "max_tokens", outputTokens: 5, stopSequence: null });
    expect(completion.text).toBe(ARTICLE.slice(0, 20));
  });

  it("stops before the earliest stop sequence", () => {
    const completion = complete({ ...base, maxTokens: 1000, stopSequences: ["bucket", "Every"] });
    expect(completion).toMatchObject({ stopReason: "stop_sequence", stopSequence: "Every" });
    expect(completion.text).toBe("Rate limits protect the provider. ");
  });

  it("prefers max_tokens when the stop sequence lies beyond the cut", () => {
    const completion = complete({ ...base, maxTokens: 2, stopSequences: ["bucket"] });
    expect(completion.stopReason).toBe("max_tokens");
  });
});

describe("chunkText", () => {
  it("splits at word boundaries into pieces that rejoin to the text", () => {
    const chunks = chunkText(ARTICLE, 16);
    expect(chunks.join("")).toBe(ARTICLE);
    expect(chunks.length).toBeGreaterThan(10);
  });
});
