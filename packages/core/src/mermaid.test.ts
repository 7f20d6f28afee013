import { describe, expect, it } from "vitest";
import { Flow, Node, ParallelBatchFlow, ParallelBatchNode, toMermaid } from "./index.js";

class Review extends Node {}
class Pay extends Node {}
class Revise extends Node {}
class Summarize extends ParallelBatchNode {}
class Files extends ParallelBatchFlow {}

describe("toMermaid", () => {
  it("draws nodes by name, labelled actions, loops and unlabeled default edges", () => {
    const review = new Review();
    const pay = new Pay({ name: "Pay out" });
    const revise = new Revise();
    review.on("approved", pay).on("needs_revision", revise);
    revise.next(review);
    expect(toMermaid(new Flow(review))).toBe(
      [
        "flowchart TD",
        '  N1["Review"]',
        '  N2["Pay out"]',
        '  N3["Revise"]',
        "  N1 -->|approved| N2",
        "  N1 -->|needs_revision| N3",
        "  N3 --> N1",
      ].join("\n"),
    );
  });

  it("draws nested flows as subgraphs, batch kinds in their labels, and escapes quotes", () => {
    const summarize = new Summarize();
    const inner = new Flow(summarize, { name: 'Load "and" summarize' });
    const files = new Files(inner);
    const report = new Node({ name: "Report" });
    files.next(report);
    const diagram = toMermaid(new Flow(files), { direction: "LR" });
    expect(diagram).toBe(
      [
        "flowchart LR",
        '  subgraph F1["Files (parallel batch)"]',
        '    subgraph F2["Load #quot;and#quot; summarize"]',
        '      N3[["Summarize (parallel)"]]',
        "    end",
        "  end",
        '  N4["Report"]',
        "  F1 --> N4",
      ].join("\n"),
    );
  });
});
