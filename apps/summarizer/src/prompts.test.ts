import { describe, expect, it } from "vitest";
import {
  chunkRequest,
  combineRequest,
  documentTitle,
  estimateDocument,
  groupForCombining,
} from "./prompts.js";

describe("documentTitle", () => {
  it("reads a Title: header or a leading Markdown heading, else keeps the file name", () => {
    expect(documentTitle("Title: The Raven\nAuthor: Poe\n\nOnce upon a midnight dreary.", "raven.txt")).toBe(
      "The Raven",
    );
    expect(documentTitle("\n# Release notes  \n\nText.", "notes.md")).toBe("Release notes");
    expect(documentTitle("Just text. # not a heading", "a.txt")).toBe("a.txt");
  });
});

describe("groupForCombining", () => {
  it("keeps consecutive summaries together while they fit, at least two per group", () => {
    const summary = "x".repeat(350); // 100 estimated tokens
    expect(groupForCombining([summary, summary, summary], 1_000)).toEqual([[summary, summary, summary]]);
    const groups = groupForCombining(Array(7).fill(summary), 250);
    expect(groups.map((group) => group.length)).toEqual([2, 2, 3]);
    // Two summaries go together even when they exceed the limit, so every round shrinks.
    expect(groupForCombining(["x".repeat(3_500), "y".repeat(3_500)], 100).map((g) => g.length)).toEqual([2]);
  });
});

describe("requests", () => {
  it("start with an instruction the offline model understands and name the part in the system prompt", () => {
    const request = chunkRequest("Text.", "a.txt", 2, 3, 300);
    expect(request.messages[0]?.content.startsWith("Summarize in at most 5 sentences:\n\n")).toBe(true);
    expect(request.system).toContain('part 2 of 3 of the document "a.txt"');
    expect(request.maxTokens).toBe(300);
    expect(combineRequest(["A.", "B."], "a.txt", 300).messages[0]?.content).toBe(
      "Summarize in at most 6 sentences:\n\nA.\n\nB.",
    );
  });
});

describe("estimateDocument", () => {
  it("counts one call per chunk plus the combining rounds, with output at max-tokens", () => {
    expect(estimateDocument(["one"], "a", 100, 1_000)).toMatchObject({ calls: 1, outputTokens: 100 });
    // 6 summaries of up to 100 tokens fit one combining call of 1,000.
    expect(estimateDocument(Array(6).fill("c"), "a", 100, 1_000).calls).toBe(7);
    // 20 summaries: 3 groups, then 1.
    const many = estimateDocument(Array(20).fill("c"), "a", 100, 800);
    expect(many.calls).toBe(20 + 3 + 1);
    expect(many.inputTokens).toBeGreaterThan(20 * 100);
  });
});
