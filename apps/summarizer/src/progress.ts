import type { BatchQueueProgress } from "./batch.js";
import { estimateRemainingMs, PauseTimes } from "./eta.js";
import type { RunStats } from "./stats.js";
import { StatusLine } from "./status-line.js";

/** What the display reads of the throttle: its state, and the pauses it announces. */
export interface ThrottleView {
  stats(): { pausedUntil: number | undefined; pauseReason: string | undefined; queued: number };
  on?(event: "pause", listener: (event: { readonly until: number }) => void): void;
  off?(event: "pause", listener: (event: { readonly until: number }) => void): void;
}

/** Where the progress display reads from: the run's counters, the throttle, the batch queue. */
export interface ProgressSource {
  readonly stats: RunStats;
  readonly throttle?: ThrottleView | undefined;
  readonly batchQueue?: { progress(): BatchQueueProgress } | undefined;
  /** The throttle's pauses so far, for an ETA that counts a pause down. */
  readonly pauses?: PauseTimes | undefined;
  /** Epoch ms, injectable for tests. */
  readonly now?: () => number;
}

export interface ProgressSnapshot {
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  readonly total: number;
  readonly filesInFlight: number;
  readonly callsInFlight: number;
  readonly callsQueued: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** Some calls had no known price: the cost is a lower bound. */
  readonly costPartial: boolean;
  readonly elapsedMs: number;
  readonly etaMs: number | undefined;
  /** Epoch ms when the throttle's 429 pause ends, while it is paused. */
  readonly pausedUntil: number | undefined;
  readonly pauseReason: string | undefined;
  readonly batch: BatchQueueProgress | undefined;
}

/** Reads the sources once. */
export function takeSnapshot(source: ProgressSource): ProgressSnapshot {
  const { stats } = source;
  const now = source.now?.() ?? Date.now();
  const throttle = source.throttle?.stats();
  const pausedUntil =
    throttle?.pausedUntil !== undefined && throttle.pausedUntil > now ? throttle.pausedUntil : undefined;
  const elapsedMs = stats.elapsedMs();
  const etaMs = estimateRemainingMs(stats, elapsedMs, {
    pausedMs: source.pauses?.pausedMs(now) ?? 0,
    remainingMs: Math.max(
      source.pauses?.remainingMs(now) ?? 0,
      pausedUntil === undefined ? 0 : pausedUntil - now,
    ),
  });
  return {
    done: stats.filesOk,
    failed: stats.filesFailed,
    skipped: stats.filesSkipped,
    total: stats.filesTotal,
    filesInFlight: stats.filesInFlight,
    callsInFlight: stats.attemptsInFlight,
    callsQueued: throttle?.queued ?? 0,
    inputTokens: stats.inputTokens,
    outputTokens: stats.outputTokens,
    costUsd: stats.costUsd,
    costPartial: stats.costUnknown > 0,
    elapsedMs,
    etaMs,
    pausedUntil,
    pauseReason: pausedUntil === undefined ? undefined : throttle?.pauseReason,
    batch: source.batchQueue?.progress(),
  };
}

/** One line of progress, as the plain (non-TTY) display prints it. */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  const parts = [
    `${finishedOf(snapshot)}/${snapshot.total} files`,
    `${snapshot.done} ok, ${snapshot.failed} failed`,
    `${snapshot.filesInFlight} in flight (${snapshot.callsInFlight} calls, ${snapshot.callsQueued} queued)`,
    `tokens ${formatCount(snapshot.inputTokens)} in / ${formatCount(snapshot.outputTokens)} out`,
    formatCost(snapshot.costUsd, snapshot.costPartial),
    etaText(snapshot),
  ];
  if (hasBatches(snapshot)) {
    parts.push(
      `batches: ${snapshot.batch.batches}, ${snapshot.batch.processing} processing, ${snapshot.batch.succeeded} succeeded`,
    );
  }
  const paused = pausedText(snapshot);
  if (paused !== undefined) parts.push(paused);
  return `[${formatDuration(snapshot.elapsedMs)}] ${parts.join(" · ")}`;
}

/**
 * The live line for a terminal `columns` wide. Fields are dropped, least useful first, until the
 * line fits: the bar, the files and calls in flight, the tokens, the batch state, the cost, the
 * failures; the files done, the ETA and a rate-limit pause stay as long as anything does.
 */
export function fitProgressLine(snapshot: ProgressSnapshot, columns: number): string {
  // [text, keep]: the higher `keep`, the longer the field survives a narrow terminal.
  const fields: [string, number][] = [
    [progressBar(finishedOf(snapshot), snapshot.total, 20), 1],
    [`${finishedOf(snapshot)}/${snapshot.total} files`, 9],
    [`${snapshot.failed} failed`, 6],
    [`${snapshot.filesInFlight} files/${snapshot.callsInFlight} calls in flight`, 2],
    [`tokens ${formatCount(snapshot.inputTokens)} in / ${formatCount(snapshot.outputTokens)} out`, 3],
    [formatCost(snapshot.costUsd, snapshot.costPartial), 5],
    [etaText(snapshot), 8],
  ];
  if (hasBatches(snapshot))
    fields.push([`batch: ${snapshot.batch.processing} processing, ${snapshot.batch.succeeded} done`, 4]);
  const paused = pausedText(snapshot);
  if (paused !== undefined) fields.push([paused, 7]);

  // One column spare: a line that fills the last column leaves some terminals waiting to wrap.
  const width = Math.max(1, columns - 1);
  // The bar (a run of = and -) is followed by a space, the other fields by " · ".
  const join = (kept: readonly [string, number][]) =>
    kept
      .map(([text]) => text)
      .join(" · ")
      .replace(/^([=-]+) · /, "$1 ");
  let kept = fields;
  while (kept.length > 1 && join(kept).length > width) {
    const least = Math.min(...kept.map(([, keep]) => keep));
    kept = kept.filter(([, keep]) => keep !== least);
  }
  const line = join(kept);
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

function finishedOf(snapshot: ProgressSnapshot): number {
  return snapshot.done + snapshot.failed + snapshot.skipped;
}

function hasBatches(
  snapshot: ProgressSnapshot,
): snapshot is ProgressSnapshot & { batch: BatchQueueProgress } {
  return snapshot.batch !== undefined && snapshot.batch.batches + snapshot.batch.waiting > 0;
}

function etaText(snapshot: ProgressSnapshot): string {
  return `ETA ${snapshot.etaMs === undefined ? "…" : formatDuration(snapshot.etaMs)}`;
}

function pausedText(snapshot: ProgressSnapshot): string | undefined {
  if (snapshot.pausedUntil === undefined) return undefined;
  const why = snapshot.pauseReason === "ramp_limited" ? "ramp limited" : "rate limited";
  return `paused: ${why} until ${clockTime(snapshot.pausedUntil)}`;
}

/** `width` cells, filled in proportion to done / total. */
function progressBar(done: number, total: number, width: number): string {
  const filled = total <= 0 ? 0 : Math.min(width, Math.round((done / total) * width));
  return `${"=".repeat(filled)}${"-".repeat(width - filled)}`;
}

export type ProgressMode = "tty" | "plain" | "off";

export interface ProgressDisplayOptions {
  readonly mode: ProgressMode;
  readonly stream: NodeJS.WritableStream;
  /** TTY mode: the terminal's live line (the command line's, so its messages print above it). */
  readonly statusLine?: StatusLine | undefined;
  /** Plain mode: one line this often. Default 5 s. */
  readonly intervalMs?: number;
}

/**
 * The live display: on a TTY one line redrawn in place, fitted to the terminal's width (files done,
 * failed, in flight, tokens, cost, ETA, and "paused: rate limited until hh:mm:ss" while the throttle
 * waits out a 429); otherwise a plain line every few seconds, for logs and CI. `stop` erases the
 * live line, so what is printed next (the report) starts on a clean line.
 */
export class ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  private line: StatusLine | undefined;
  private readonly pauses = new PauseTimes();
  private readonly onPause = ({ until }: { readonly until: number }) => this.pauses.record(this.now(), until);

  constructor(
    private readonly source: ProgressSource,
    private readonly options: ProgressDisplayOptions,
  ) {}

  start(): void {
    const { mode, stream } = this.options;
    if (mode === "off") return;
    this.source.throttle?.on?.("pause", this.onPause);
    if (mode === "tty") {
      this.line = this.options.statusLine ?? new StatusLine(stream);
      this.refresh();
      this.timer = setInterval(() => this.refresh(), 250);
    } else {
      this.timer = setInterval(
        () => stream.write(`${formatProgressLine(this.snapshot())}\n`),
        this.options.intervalMs ?? 5_000,
      );
    }
    this.timer.unref();
  }

  /** Redraws now (TTY) after something changed. */
  refresh(): void {
    if (this.line === undefined) return;
    this.line.show(fitProgressLine(this.snapshot(), this.line.columns));
  }

  /** Prints a message above the live line (or on its own line without one). */
  log(message: string): void {
    if (this.line !== undefined) this.line.note(message);
    else if (this.options.mode !== "off") this.options.stream.write(`${message}\n`);
  }

  /** Stops redrawing and erases the live line. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.source.throttle?.off?.("pause", this.onPause);
    this.line?.clear();
    this.line = undefined;
  }

  private snapshot(): ProgressSnapshot {
    return takeSnapshot({ ...this.source, pauses: this.pauses });
  }

  private now(): number {
    return this.source.now?.() ?? Date.now();
  }
}

/** 1234 → "1,234"; 1234567 → "1.23M". */
export function formatCount(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(2)}M`;
  return Math.round(value).toLocaleString("en-US");
}

export function formatCost(usd: number, partial = false): string {
  const digits = usd === 0 ? 2 : usd < 0.01 ? 4 : usd < 10 ? 3 : 2;
  return `$${usd.toFixed(digits)}${partial ? "+ (some models unpriced)" : ""}`;
}

/** 950 → "0.9s"; 75_000 → "1m15s"; 4_000_000 → "1h06m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "…";
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** Local wall-clock time, hh:mm:ss. */
export function clockTime(epochMs: number): string {
  const date = new Date(epochMs);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, "0"))
    .join(":");
}
