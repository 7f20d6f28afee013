import { describe, expect, it } from "vitest";
import { estimateTextTokens } from "../estimate.js";
import { cutToTokens, parseSummaryInstruction, splitSentences, summarizeExtractive } from "./summarize.js";

const article = [
  "Honeybees communicate the location of food through a waggle dance performed inside the hive.",
  "The angle of the dance relative to vertical tells other bees the direction of the food relative to the sun.",
  "The duration of the waggle run tells them how far away the food is.",
  "Researchers decoded the dance in the 1940s.",
  "",
  "Later experiments with robotic bees confirmed that the dance alone can guide bees to food.",
  "Bees that watch a dance fly to the food in the direction and distance the dance describes.",
].join("\n");

describe("splitSentences", () => {
  it("splits on sentence ends, paragraphs and list items", () => {
    expect(splitSentences("One is here. Two is there!\n\nThree?\n- Four\n- Five")).toEqual([
      "One is here.",
      "Two is there!",
      "Three?",
      "Four",
      "Five",
    ]);
  });

  it("does not split after abbreviations, initials or dotted acronyms", () => {
    expect(
      splitSentences("Dr. Smith met J. R. Brown in the U.S. last week. They talked, e.g. about rivers."),
    ).toEqual(["Dr. Smith met J. R. Brown in the U.S. last week.", "They talked, e.g. about rivers."]);
  });

  it("keeps decimals and lower-case continuations together", () => {
    expect(splitSentences("It costs 3.5 dollars. version 2. then more")).toEqual([
      "It costs 3.5 dollars. version 2. then more",
    ]);
  });
});

describe("summarizeExtractive", () => {
  it("keeps the most representative sentences in their original order", () => {
    const summary = summarizeExtractive(article, { maxSentences: 2 });
    expect(summary.sentenceIndices).toHaveLength(2);
    expect([...summary.sentenceIndices].sort((a, b) => a - b)).toEqual(summary.sentenceIndices);
    expect(summary.sentenceIndices).toContain(0);
    expect(summary.text.startsWith("Honeybees communicate")).toBe(true);
    expect(summary.truncated).toBe(false);
  });

  it("only uses sentences from the input", () => {
    const sentences = splitSentences(article);
    const summary = summarizeExtractive(article);
    for (const index of summary.sentenceIndices) expect(summary.text).toContain(sentences[index]);
  });

  it("is deterministic", () => {
    expect(summarizeExtractive(article)).toEqual(summarizeExtractive(article));
  });

  it("fits the token budget, and cuts the best sentence when nothing fits", () => {
    const fitted = summarizeExtractive(article, { maxSentences: 5, maxTokens: 40 });
    expect(estimateTextTokens(fitted.text)).toBeLessThanOrEqual(40);
    expect(fitted.truncated).toBe(true);
    const cut = summarizeExtractive(article, { maxTokens: 4 });
    expect(cut.text.length).toBeGreaterThan(0);
    expect(estimateTextTokens(cut.text)).toBeLessThanOrEqual(4);
    expect(cut.truncated).toBe(true);
    expect(article).toContain(cut.text);
  });

  it("honours a word limit", () => {
    const summary = summarizeExtractive(article, { maxWords: 6 });
    expect(summary.text.split(" ")).toHaveLength(6);
    expect(summary.truncated).toBe(true);
  });

  it("returns empty text for empty input", () => {
    expect(summarizeExtractive("  ")).toEqual({ text: "", sentenceIndices: [], truncated: false });
  });
});

describe("cutToTokens", () => {
  it("cuts at a word boundary within the budget", () => {
    const cut = cutToTokens("alpha beta gamma delta epsilon zeta", 3);
    expect(estimateTextTokens(cut)).toBeLessThanOrEqual(3);
    expect("alpha beta gamma delta epsilon zeta".startsWith(cut)).toBe(true);
    expect(cut.endsWith(" ")).toBe(false);
  });
});

describe("parseSummaryInstruction", () => {
  it.each([
    ["Summarize: The text.", { text: "The text." }],
    ["summarise this article:\nThe text.", { text: "The text." }],
    ["Summarize the following in two sentences: The text.", { text: "The text.", maxSentences: 2 }],
    ["Please summarize in 3 bullet points:\nThe text.", { text: "The text.", maxSentences: 3 }],
    ["Summarize in a single sentence: The text.", { text: "The text.", maxSentences: 1 }],
    ["TL;DR: The text.", { text: "The text." }],
    ["The text.\n\nSummarize the above in 50 words.", { text: "The text.", maxWords: 50 }],
    ["What is the capital of France?", { text: "What is the capital of France?" }],
  ])("%j", (prompt, expected) => {
    expect(parseSummaryInstruction(prompt)).toEqual(expected);
  });
});
