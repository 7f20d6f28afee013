import { promises as fs } from "node:fs";
import path from "node:path";

/** Where a run keeps its own state inside the output folder. */
export const STATE_DIR = ".sluice";
export const JOURNAL_FILE = "journal.jsonl";

/** One finished input: what --resume reads back. */
export interface FileRecord {
  readonly v: 1;
  readonly type: "file";
  /** Absolute path of the input. */
  readonly input: string;
  /** sha256 of the bytes that were summarized. */
  readonly hash: string;
  readonly status: "ok" | "error" | "skipped";
  /** The summary, relative to the output folder (status ok). */
  readonly output?: string;
  readonly reason?: string;
  readonly chunks: number;
  /** Model calls that succeeded for this input. */
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** null when the model has no known price. */
  readonly costUsd: number | null;
  readonly model?: string;
  readonly provider?: string;
  readonly batch?: boolean;
  readonly at: string;
}

/** Marks the start of a run, for anyone reading the journal by hand. */
export interface RunRecord {
  readonly v: 1;
  readonly type: "run";
  readonly at: string;
  readonly provider: string;
  readonly model: string;
  readonly argv: readonly string[];
}

export type JournalRecord = FileRecord | RunRecord;

export function journalPath(outDir: string): string {
  return path.join(outDir, STATE_DIR, JOURNAL_FILE);
}

/**
 * An append-only JSONL log of finished inputs, one line per record, each flushed to disk (fsync)
 * before `append` resolves, so a crash or `kill -9` never loses a finished summary's record. Appends
 * are serialised; a torn last line from a crash is skipped on reading and fenced off before the
 * next append.
 *
 * @example
 * const journal = await Journal.open(outDir);
 * await journal.append({ v: 1, type: "file", input, hash, status: "ok", output: "a.md", … });
 * await journal.close();
 */
export class Journal {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly handle: fs.FileHandle,
    readonly file: string,
  ) {}

  static async open(outDir: string): Promise<Journal> {
    const file = journalPath(outDir);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const handle = await fs.open(file, "a+");
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      // A crash mid-write leaves a partial line; start ours on a fresh one.
      if (last[0] !== 0x0a) await handle.write("\n");
    }
    return new Journal(handle, file);
  }

  /** Appends one record and resolves once it is on disk. */
  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error("The journal is closed."));
    const line = `${JSON.stringify(record)}\n`;
    const write = this.tail.then(async () => {
      await this.handle.write(line);
      await this.handle.datasync();
    });
    // Keep the chain going after a failed write; the caller of that append sees the failure.
    this.tail = write.catch(() => {});
    return write;
  }

  /** Resolves when every append so far has reached the disk (or failed). */
  flushed(): Promise<void> {
    return this.tail;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.handle.close();
  }

  /** Every well-formed record in the journal of `outDir`; none if there is no journal yet. */
  static async read(outDir: string): Promise<JournalRecord[]> {
    let text: string;
    try {
      text = await fs.readFile(journalPath(outDir), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const records: JournalRecord[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const record = JSON.parse(line) as JournalRecord;
        if (isRecord(record)) records.push(record);
      } catch {
        // A line torn by a crash: the item it described is simply done again.
      }
    }
    return records;
  }
}

/** The latest successful record per input path: what `--resume` may skip. */
export function finishedByInput(records: readonly JournalRecord[]): Map<string, FileRecord> {
  const finished = new Map<string, FileRecord>();
  for (const record of records) {
    if (record.type !== "file") continue;
    if (record.status === "ok") finished.set(record.input, record);
    else finished.delete(record.input);
  }
  return finished;
}

function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Omit<Partial<FileRecord>, "type"> & { type?: string };
  if (record.v !== 1) return false;
  if (record.type === "run") return true;
  return (
    record.type === "file" &&
    typeof record.input === "string" &&
    typeof record.hash === "string" &&
    (record.status === "ok" || record.status === "error" || record.status === "skipped")
  );
}
