import { promises as fs } from "node:fs";
import { describe, expect, it } from "vitest";
import { type FileRecord, finishedByInput, Journal, journalPath } from "./journal.js";
import { tempDir } from "./test-support.js";

function record(input: string, status: FileRecord["status"], hash = "h1"): FileRecord {
  return {
    v: 1,
    type: "file",
    input,
    hash,
    status,
    ...(status === "ok" ? { output: `${input}.md` } : {}),
    chunks: 1,
    calls: 1,
    inputTokens: 10,
    outputTokens: 2,
    costUsd: 0,
    at: "2026-01-01T00:00:00.000Z",
  };
}

describe("Journal", () => {
  it("appends records that a later read gets back, in order", async () => {
    const dir = tempDir();
    const journal = await Journal.open(dir);
    await Promise.all([journal.append(record("/a", "ok")), journal.append(record("/b", "error"))]);
    await journal.close();
    expect((await Journal.read(dir)).map((r) => r.type === "file" && r.input)).toEqual(["/a", "/b"]);
  });

  it("skips a line torn by a crash and starts the next append on a fresh line", async () => {
    const dir = tempDir();
    const first = await Journal.open(dir);
    await first.append(record("/a", "ok"));
    await first.close();
    await fs.appendFile(journalPath(dir), '{"v":1,"type":"file","input":"/b","ha');
    const second = await Journal.open(dir);
    await second.append(record("/c", "ok"));
    await second.close();
    expect((await Journal.read(dir)).map((r) => r.type === "file" && r.input)).toEqual(["/a", "/c"]);
  });

  it("reads no records when there is no journal yet", async () => {
    expect(await Journal.read(tempDir())).toEqual([]);
  });
});

describe("finishedByInput", () => {
  it("keeps the latest ok record per input; a later failure takes it back", () => {
    const finished = finishedByInput([
      record("/a", "ok", "old"),
      record("/a", "ok", "new"),
      record("/b", "ok"),
      record("/b", "error"),
      record("/c", "skipped"),
      { v: 1, type: "run", at: "", provider: "local", model: "m", argv: [] },
    ]);
    expect([...finished.keys()]).toEqual(["/a"]);
    expect(finished.get("/a")?.hash).toBe("new");
  });
});
