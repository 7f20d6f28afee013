import { describe, expect, it } from "vitest";
import { median, ratio, summarize } from "./stats.js";
import { renderTable } from "./table.js";

describe("stats", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("summarizes finite samples only", () => {
    expect(summarize([5, Number.NaN, 1, 3])).toEqual({ median: 3, min: 1, max: 5, count: 3 });
    expect(summarize([Number.NaN]).count).toBe(0);
  });

  it("gives NaN for a missing reference", () => {
    expect(ratio(2, 4)).toBe(0.5);
    expect(ratio(2, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
  });
});

describe("renderTable", () => {
  it("pads columns and right-aligns numbers", () => {
    const text = renderTable({
      title: "T",
      header: ["name", "value"],
      numeric: [1],
      rows: [
        ["a", "1.5"],
        ["longer", "12.25"],
      ],
      notes: ["a note"],
    });
    expect(text.split("\n")).toEqual([
      "### T",
      "",
      "| name   | value |",
      "|--------|------:|",
      "| a      |   1.5 |",
      "| longer | 12.25 |",
      "",
      "- a note",
    ]);
  });
});
