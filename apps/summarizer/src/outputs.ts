import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";

export const INDEX_FILE = "index.json";

/** Dollars to a millionth, so sums print as 0.264212 rather than 0.26421200000000006. */
export function roundUsd<T extends number | null>(usd: T): T {
  return (usd === null ? null : Math.round(usd * 1e6) / 1e6) as T;
}

/**
 * Chooses where each input's summary goes, relative to the output folder: its path under the folder
 * (or glob base) it was found in, with `.md` for its extension. Names already used by finished
 * records (`reserved`, from the journal) keep their owner, so a resumed run never overwrites another
 * input's summary; other clashes (`a.txt` and `a.md`, or two `notes.txt` given by path) get `-2`,
 * `-3`, … Comparison ignores case, for case-insensitive file systems.
 *
 * @example
 * assignOutputNames([{ absolute: "/d/a.txt", relative: "a.txt" }], new Map()); // Map { "/d/a.txt" => "a.md" }
 */
export function assignOutputNames(
  files: readonly { readonly absolute: string; readonly relative: string }[],
  reserved: ReadonlyMap<string, string>,
): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const file of files) {
    const name = reserved.get(file.absolute);
    if (name !== undefined && !taken.has(name.toLowerCase())) {
      names.set(file.absolute, name);
      taken.add(name.toLowerCase());
    }
  }
  // Names that other (absent) inputs' summaries hold on disk stay theirs too.
  for (const name of reserved.values()) taken.add(name.toLowerCase());
  for (const file of files) {
    if (names.has(file.absolute)) continue;
    const base = summaryName(file.relative);
    let name = base;
    for (let suffix = 2; taken.has(name.toLowerCase()); suffix++) {
      name = `${base.slice(0, -".md".length)}-${suffix}.md`;
    }
    names.set(file.absolute, name);
    taken.add(name.toLowerCase());
  }
  return names;
}

/** `notes/ch1.txt` → `notes/ch1.md`; unsafe segments (`..`, empty) are neutralised. */
export function summaryName(relative: string): string {
  const segments = relative
    .split(/[\\/]+/)
    .filter((segment) => segment !== "" && segment !== ".")
    .map((segment) => (segment === ".." ? "_" : portableSegment(segment)));
  const last = segments.pop() ?? "summary";
  const extension = path.extname(last);
  const stem = (extension ? last.slice(0, -extension.length) : last) || "summary";
  return [...segments, `${stem}.md`].join("/");
}

/** Characters some file systems refuse (Windows' reserved ones and control characters) become `_`. */
function portableSegment(segment: string): string {
  let safe = "";
  for (const char of segment) safe += char.charCodeAt(0) < 0x20 || '<>:"|?*'.includes(char) ? "_" : char;
  return safe;
}

export interface SummaryDocument {
  readonly title: string;
  readonly source: string;
  readonly summary: string;
  readonly model: string;
  readonly chunks: number;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
}

/** The Markdown written for one input. */
export function renderSummary(document: SummaryDocument): string {
  const cost = document.costUsd === null ? "cost unknown" : `$${document.costUsd.toFixed(4)}`;
  const parts = document.chunks === 1 ? "1 part" : `${document.chunks} parts`;
  return (
    `# ${document.title}\n\n${document.summary.trim()}\n\n---\n\n` +
    `Source: \`${document.source}\` · ${parts}, ${document.calls} model ${document.calls === 1 ? "call" : "calls"} · ` +
    `${document.model} · ${document.inputTokens.toLocaleString("en-US")} tokens in, ` +
    `${document.outputTokens.toLocaleString("en-US")} out · ${cost}\n`
  );
}

/**
 * Writes a file so that readers (and a crash) only ever see the old or the whole new content: a
 * temporary file next to it, flushed, then renamed over it.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const handle = await fs.open(temporary, "w");
  try {
    await handle.writeFile(content, "utf8");
    await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

export type EntryStatus = "ok" | "error" | "skipped";

/** One line of index.json: every input appears exactly once. */
export interface IndexEntry {
  /** As given or found, relative to the working directory when inside it. */
  readonly input: string;
  readonly path: string;
  readonly status: EntryStatus;
  /** Why it is `error` or `skipped`. */
  readonly reason?: string;
  /** Stable reason code: not_found, binary, not_utf8, empty, too_large, duplicate, budget_reached, … */
  readonly code?: string;
  /** The summary, relative to the output folder. */
  readonly output?: string;
  readonly chunks?: number;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly model?: string;
  /** Finished by an earlier run and taken from the journal (--resume). */
  readonly resumed?: boolean;
}

export interface IndexFile {
  readonly version: 1;
  readonly generatedAt: string;
  /** false when the run was interrupted or stopped by its budget: rerun with --resume. */
  readonly complete: boolean;
  readonly interrupted: boolean;
  readonly provider: string;
  readonly model: string;
  readonly batch: boolean;
  readonly totals: {
    readonly inputs: number;
    readonly ok: number;
    readonly error: number;
    readonly skipped: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number | null;
  };
  readonly inputs: readonly IndexEntry[];
}

export async function writeIndex(outDir: string, index: IndexFile): Promise<string> {
  const file = path.join(outDir, INDEX_FILE);
  await writeFileAtomic(file, `${JSON.stringify(index, null, 2)}\n`);
  return file;
}
