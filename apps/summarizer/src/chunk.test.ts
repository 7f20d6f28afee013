import { estimateTextTokens } from "@sluice/llm";
import { describe, expect, it } from "vitest";
import { chunkText } from "./chunk.js";
import { prose } from "./test-support.js";

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe("chunkText", () => {
  it("keeps a text that fits in one chunk, trimmed", () => {
    expect(chunkText("  One. Two.\n", 100)).toEqual(["One. Two."]);
    expect(chunkText(" \n ", 100)).toEqual([]);
  });

  it("cuts long texts at paragraph breaks into chunks of about equal size, losing no word", () => {
    const paragraphs = Array.from({ length: 40 }, (_, index) => prose(`topic${index}`, 6));
    const text = paragraphs.join("\n\n");
    const chunks = chunkText(text, 1_000);
    const total = estimateTextTokens(text);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(total / 1_000));
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(total / 1_000) + 1);
    for (const chunk of chunks) expect(estimateTextTokens(chunk)).toBeLessThanOrEqual(1_000);
    const sizes = chunks.map((chunk) => estimateTextTokens(chunk));
    expect(Math.min(...sizes)).toBeGreaterThan(Math.max(...sizes) / 2);
    expect(words(chunks.join(" "))).toEqual(words(text));
    // Paragraphs stay whole: every chunk starts where a paragraph starts.
    for (const chunk of chunks)
      expect(paragraphs.some((paragraph) => chunk.startsWith(paragraph.slice(0, 30)))).toBe(true);
  });

  it("splits a paragraph larger than a chunk between sentences", () => {
    const paragraph = prose("river", 200);
    const chunks = chunkText(paragraph, 500);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(estimateTextTokens(chunk)).toBeLessThanOrEqual(500);
      expect(chunk.endsWith(".")).toBe(true);
    }
    expect(words(chunks.join(" "))).toEqual(words(paragraph));
  });

  it("slices a 'word' longer than a chunk (a base64 blob) instead of failing", () => {
    const blob = "QUJD".repeat(2_000);
    const chunks = chunkText(`Before. ${blob} After.`, 300);
    for (const chunk of chunks) expect(estimateTextTokens(chunk)).toBeLessThanOrEqual(300);
    expect(chunks.join("").replace(/\s+/g, "")).toBe(`Before.${blob}After.`);
  });
});
