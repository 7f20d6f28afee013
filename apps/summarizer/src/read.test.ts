import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  decode,
  hashBytes,
  type ReadOptions,
  type ReadResult,
  readTextFile,
  readTextFileSync,
} from "./read.js";
import { tempDir } from "./test-support.js";

const MB = 1024 * 1024;
const bytes = (text: string) => new TextEncoder().encode(text);

describe("decode", () => {
  it("accepts UTF-8 text, strips a BOM, and hashes the bytes", () => {
    const input = Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes("Crème brûlée.")]);
    const result = decode(input);
    expect(result).toMatchObject({
      ok: true,
      text: "Crème brûlée.",
      bytes: input.length,
      hash: hashBytes(input),
    });
  });

  it("says why a file is not summarizable", () => {
    expect(decode(bytes("a\0b"))).toMatchObject({ ok: false, status: "error", code: "binary" });
    expect(decode(Uint8Array.from([0xff, 0xfe, 0x68, 0x00]))).toMatchObject({ ok: false, code: "utf16" });
    const latin1 = decode(Uint8Array.from([...bytes("caf"), 0xe9, ...bytes(" au lait")]));
    expect(latin1).toMatchObject({ ok: false, status: "error", code: "not_utf8" });
    expect(latin1.ok ? "" : latin1.reason).toContain("offset 3");
    // An overlong encoding and a lone surrogate are invalid too, and located.
    const overlong = decode(Uint8Array.from([0x41, 0xe0, 0x80, 0x80]));
    expect(overlong.ok ? "" : overlong.reason).toContain("offset 1");
    const surrogate = decode(Uint8Array.from([0x41, 0x42, 0xed, 0xa0, 0x80]));
    expect(surrogate.ok ? "" : surrogate.reason).toContain("offset 2");
    expect(decode(bytes(" \n\t \n"))).toMatchObject({ ok: false, status: "skipped", code: "empty" });
  });
});

// The plan reads with blocking calls, a run's nodes without: both must apply the same rules.
const readers: [string, (file: string, options: ReadOptions) => Promise<ReadResult>][] = [
  ["readTextFile", readTextFile],
  ["readTextFileSync", async (file, options) => readTextFileSync(file, options)],
];

describe.each(readers)("%s", (_name, readTextFile) => {
  const limit = { maxBytes: 20 * MB };

  it("reads a text file", async () => {
    const dir = tempDir();
    await fs.writeFile(path.join(dir, "a.txt"), "One. Two.");
    expect(await readTextFile(path.join(dir, "a.txt"), limit)).toMatchObject({ ok: true, text: "One. Two." });
  });

  it("reports missing files, dangling links, loops, FIFOs, folders, empty and oversized files", async () => {
    const dir = tempDir();
    await fs.symlink("nowhere.txt", path.join(dir, "dangling.txt"));
    await fs.symlink("self.txt", path.join(dir, "self.txt"));
    execFileSync("mkfifo", [path.join(dir, "pipe.txt")]);
    await fs.mkdir(path.join(dir, "folder.txt"));
    await fs.writeFile(path.join(dir, "empty.txt"), "");
    const big = await fs.open(path.join(dir, "big.txt"), "w");
    await big.truncate(21 * MB);
    await big.close();

    const read = (name: string) => readTextFile(path.join(dir, name), limit);
    expect(await read("missing.txt")).toMatchObject({ ok: false, status: "error", code: "not_found" });
    expect(await read("dangling.txt")).toMatchObject({
      ok: false,
      status: "error",
      code: "dangling_symlink",
    });
    expect(await read("self.txt")).toMatchObject({ ok: false, status: "error", code: "symlink_loop" });
    // A FIFO with no writer: refused at once instead of blocking the run.
    expect(await read("pipe.txt")).toMatchObject({ ok: false, status: "error", code: "not_a_file" });
    expect(await read("folder.txt")).toMatchObject({ ok: false, status: "error", code: "not_a_file" });
    expect(await read("empty.txt")).toMatchObject({ ok: false, status: "skipped", code: "empty" });
    const tooLarge = await read("big.txt");
    expect(tooLarge).toMatchObject({ ok: false, status: "skipped", code: "too_large" });
    expect(tooLarge.ok ? "" : tooLarge.reason).toContain("21 MB is above the 20 MB cap");
  });
});
