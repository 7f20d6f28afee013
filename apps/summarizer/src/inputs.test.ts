import { promises as fs } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { discoverInputs, globBase, type InputEntry } from "./inputs.js";
import { tempDir, writeFiles } from "./test-support.js";

function summary(entries: readonly InputEntry[]): string[] {
  return entries.map((entry) =>
    entry.kind === "file"
      ? `file ${entry.display} ${entry.relative}`
      : `${entry.status} ${entry.code} ${entry.display}`,
  );
}

describe("discoverInputs", () => {
  it("walks folders in order, keeping text files and skipping hidden files, node_modules and other extensions", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, {
      "docs/b.md": "B.",
      "docs/a.txt": "A.",
      "docs/sub/c.rst": "C.",
      "docs/image.png": "x",
      "docs/.hidden.txt": "H.",
      "docs/.git/config.txt": "G.",
      "docs/node_modules/pkg/readme.md": "N.",
      "notes.anything": "explicit files are taken whatever their name",
    });
    const entries = await discoverInputs(["docs", "notes.anything"], { cwd });
    expect(summary(entries)).toEqual([
      "file docs/a.txt a.txt",
      "file docs/b.md b.md",
      "file docs/sub/c.rst sub/c.rst",
      "file notes.anything notes.anything",
    ]);
  });

  it("reports missing paths, empty folders, unmatched globs, dangling links and loops", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "empty/picture.jpg": "x", "docs/a.txt": "A." });
    await fs.symlink("gone.txt", path.join(cwd, "docs", "broken.txt"));
    await fs.symlink("..", path.join(cwd, "docs", "up"));
    await fs.symlink(".", path.join(cwd, "docs", "here"));
    await fs.symlink("self.txt", path.join(cwd, "docs", "self.txt"));
    const entries = await discoverInputs(["missing.txt", "empty", "none/*.txt", "docs"], { cwd });
    expect(summary(entries)).toEqual([
      "error not_found missing.txt",
      "error no_text_files empty",
      "error no_match none/*.txt",
      "file docs/a.txt a.txt",
      "error dangling_symlink docs/broken.txt",
      "error symlink_loop docs/here",
      "error symlink_loop docs/self.txt",
      "error symlink_loop docs/up",
    ]);
  });

  it("summarizes each file once: the same path twice is one entry, another path to it is a duplicate", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "docs/a.txt": "A." });
    await fs.symlink("a.txt", path.join(cwd, "docs", "alias.txt"));
    await fs.link(path.join(cwd, "docs", "a.txt"), path.join(cwd, "hardlink.txt"));
    const entries = await discoverInputs(["docs", "docs/a.txt", "hardlink.txt"], { cwd });
    expect(summary(entries)).toEqual([
      "file docs/a.txt a.txt",
      "skipped duplicate docs/alias.txt",
      "skipped duplicate hardlink.txt",
    ]);
    expect(entries[1]).toMatchObject({ reason: expect.stringContaining("duplicate of docs/a.txt") });
  });

  it("expands globs relative to their base and never reads the output folder", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, {
      "notes/2024/jan.txt": "J.",
      "notes/2025/feb.txt": "F.",
      "notes/summaries/jan.md": "old summary",
      "notes/summaries/.sluice/journal.txt": "state",
    });
    const out = path.join(cwd, "notes", "summaries");
    expect(summary(await discoverInputs(["notes/**/*.txt"], { cwd, outDir: out }))).toEqual([
      "file notes/2024/jan.txt 2024/jan.txt",
      "file notes/2025/feb.txt 2025/feb.txt",
    ]);
    expect(summary(await discoverInputs(["notes"], { cwd, outDir: out }))).toEqual([
      "file notes/2024/jan.txt 2024/jan.txt",
      "file notes/2025/feb.txt 2025/feb.txt",
    ]);
  });
});

describe("globBase", () => {
  it("is the static part of the pattern", () => {
    expect(globBase("docs/**/*.md")).toBe("docs");
    expect(globBase("*.txt")).toBe(".");
    expect(globBase("/abs/dir/*.txt")).toBe("/abs/dir");
    expect(globBase("a/b/c.txt")).toBe("a/b");
  });
});
