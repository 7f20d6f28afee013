import { promises as fs } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assignOutputNames, renderSummary, summaryName, writeFileAtomic } from "./outputs.js";
import { tempDir } from "./test-support.js";

describe("summaryName", () => {
  it("swaps the extension for .md and keeps the folder structure, safely", () => {
    expect(summaryName("notes/ch1.txt")).toBe("notes/ch1.md");
    expect(summaryName("README")).toBe("README.md");
    expect(summaryName("../../etc/passwd.txt")).toBe("_/_/etc/passwd.md");
    expect(summaryName("a:b?.txt")).toBe("a_b_.md");
  });
});

describe("assignOutputNames", () => {
  it("gives clashing names a suffix, ignoring case", () => {
    const names = assignOutputNames(
      [
        { absolute: "/x/a.txt", relative: "a.txt" },
        { absolute: "/x/a.md", relative: "a.md" },
        { absolute: "/y/A.txt", relative: "A.txt" },
      ],
      new Map(),
    );
    expect([...names.values()]).toEqual(["a.md", "a-2.md", "A-3.md"]);
  });

  it("keeps names the journal gave out, for their owners only", () => {
    const reserved = new Map([
      ["/x/a.md", "a.md"],
      ["/gone.txt", "b.md"],
    ]);
    const names = assignOutputNames(
      [
        { absolute: "/x/a.txt", relative: "a.txt" },
        { absolute: "/x/a.md", relative: "a.md" },
        { absolute: "/x/b.txt", relative: "b.txt" },
      ],
      reserved,
    );
    expect(Object.fromEntries(names)).toEqual({
      "/x/a.md": "a.md",
      "/x/a.txt": "a-2.md",
      "/x/b.txt": "b-2.md",
    });
  });
});

describe("writeFileAtomic", () => {
  it("replaces a file whole and leaves no temporary file behind", async () => {
    const dir = tempDir();
    const file = path.join(dir, "deep", "s.md");
    await writeFileAtomic(file, "first");
    await writeFileAtomic(file, "second");
    expect(await fs.readFile(file, "utf8")).toBe("second");
    expect(await fs.readdir(path.dirname(file))).toEqual(["s.md"]);
  });
});

describe("renderSummary", () => {
  it("writes the summary under a heading with where it came from and what it cost", () => {
    const text = renderSummary({
      title: "a.txt",
      source: "docs/a.txt",
      summary: "  It is short.  ",
      model: "claude-x",
      chunks: 3,
      calls: 4,
      inputTokens: 12_345,
      outputTokens: 678,
      costUsd: 0.0123,
    });
    expect(text).toBe(
      "# a.txt\n\nIt is short.\n\n---\n\nSource: `docs/a.txt` · 3 parts, 4 model calls · claude-x · 12,345 tokens in, 678 out · $0.0123\n",
    );
  });
});
