import { describe, expect, it } from "vitest";
import { formatJson } from "./json.js";

describe("formatJson", () => {
  it("puts objects one key per line and short arrays on one line, as the formatter does", () => {
    expect(formatJson({ a: [1, 2], b: { c: "x" }, d: [], e: {}, f: [[1], ["y"]] })).toBe(
      '{\n  "a": [1, 2],\n  "b": {\n    "c": "x"\n  },\n  "d": [],\n  "e": {},\n  "f": [[1], ["y"]]\n}\n',
    );
  });

  it("breaks arrays that do not fit the line or hold objects, and writes null for what was not measured", () => {
    const long = Array.from({ length: 12 }, (_, index) => `cell number ${index}`);
    const text = formatJson({ row: long, runs: [{ ms: Number.NaN }] });
    expect(text).toContain('"row": [\n    "cell number 0",\n');
    expect(text).toContain('"runs": [\n    {\n      "ms": null\n    }\n  ]');
    expect(JSON.parse(text)).toEqual({ row: long, runs: [{ ms: null }] });
  });
});
