import { SingleBar } from "cli-progress";
import type { BatchQueueProgress } from "./batch.js";
import type { RunStats } from "./stats.js";

/** Where the progress display reads from: the run's counters, the throttle, the batch queue. */
export interface ProgressSource {
  readonly stats: RunStats;
  readonly throttle?:
    | { stats(): { pausedUntil: number | undefined; pauseReason: string | undefined; queued: number } }
    | undefined;
  readonly batchQueue?: { progress(): BatchQueueProgress } | undefined;
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
  const throttle = source.throttle?.stats();
  const elapsedMs = stats.elapsedMs();
  const etaMs = estimateRemainingMs(stats, elapsedMs);
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
    pausedUntil: throttle?.pausedUntil,
    pauseReason: throttle?.pauseReason,
    batch: source.batchQueue?.progress(),
  };
}

/**
 * Time left, from the input tokens processed so far against the planned total. The plan's token
 * estimates run high on purpose (they are what the limiter reserves), so they are scaled by what
 * the finished files really took.
 */
function estimateRemainingMs(stats: RunStats, elapsedMs: number): number | undefined {
  if (stats.plannedWork <= 0 || stats.doneWork >= stats.plannedWork)
    return stats.filesTotal > 0 ? 0 : undefined;
  const calibration =
    stats.doneWork > 0 && stats.doneActual > 0 ? Math.min(1, stats.doneActual / stats.doneWork) : 1;
  const planned = stats.plannedWork * calibration;
  const processed = Math.max(stats.inputTokens, stats.doneActual);
  if (processed <= 0) return undefined;
  return (elapsedMs * Math.max(0, planned - processed)) / processed;
}

/** One line of progress, as the plain (non-TTY) display prints it. */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  const parts = [
    `${snapshot.done + snapshot.failed + snapshot.skipped}/${snapshot.total} files`,
    `${snapshot.done} ok, ${snapshot.failed} failed`,
    `${snapshot.filesInFlight} in flight (${snapshot.callsInFlight} calls, ${snapshot.callsQueued} queued)`,
    `tokens ${formatCount(snapshot.inputTokens)} in / ${formatCount(snapshot.outputTokens)} out`,
    formatCost(snapshot.costUsd, snapshot.costPartial),
    `ETA ${snapshot.etaMs === undefined ? "…" : formatDuration(snapshot.etaMs)}`,
  ];
  if (snapshot.batch !== undefined && snapshot.batch.batches + snapshot.batch.waiting > 0) {
    parts.push(
      `batches: ${snapshot.batch.batches}, ${snapshot.batch.processing} processing, ${snapshot.batch.succeeded} succeeded`,
    );
  }
  const paused = pausedText(snapshot);
  if (paused !== undefined) parts.push(paused);
  return `[${formatDuration(snapshot.elapsedMs)}] ${parts.join(" · ")}`;
}

function pausedText(snapshot: ProgressSnapshot): string | undefined {
  if (snapshot.pausedUntil === undefined) return undefined;
  const why = snapshot.pauseReason === "ramp_limited" ? "ramp limited" : "rate limited";
  return `paused: ${why} until ${clockTime(snapshot.pausedUntil)}`;
}

export type ProgressMode = "tty" | "plain" | "off";

export interface ProgressDisplayOptions {
  readonly mode: ProgressMode;
  readonly stream: NodeJS.WritableStream;
  /** Plain mode: one line this often. Default 5 s. */
  readonly intervalMs?: number;
}

/**
 * The live display: on a TTY a bar that redraws in place (done / failed / in flight / total,
 * tokens, cost, ETA, and "paused: rate limited until hh:mm:ss" while the throttle waits out a 429);
 * otherwise a plain line every few seconds, for logs and CI.
 */
export class ProgressDisplay {
  private bar: SingleBar | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: ProgressSource,
    private readonly options: ProgressDisplayOptions,
  ) {}

  start(): void {
    const { mode, stream } = this.options;
    if (mode === "off") return;
    if (mode === "tty") {
      this.bar = new SingleBar({
        stream,
        format:
          "{bar} {value}/{total} files · {failed} failed · {inflight} in flight · {tokens} · {cost} · ETA {eta_text}{paused}",
        barsize: 20,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
        gracefulExit: false,
        linewrap: false,
      });
      const snapshot = takeSnapshot(this.source);
      this.bar.start(Math.max(1, snapshot.total), 0, this.payload(snapshot));
      this.timer = setInterval(() => this.refresh(), 250);
    } else {
      this.timer = setInterval(
        () => stream.write(`${formatProgressLine(takeSnapshot(this.source))}\n`),
        this.options.intervalMs ?? 5_000,
      );
    }
    this.timer.unref();
  }

  /** Redraws now (TTY) after something changed. */
  refresh(): void {
    if (this.bar === undefined) return;
    const snapshot = takeSnapshot(this.source);
    this.bar.setTotal(Math.max(1, snapshot.total));
    this.bar.update(snapshot.done + snapshot.failed + snapshot.skipped, this.payload(snapshot));
  }

  /** Prints a message without tearing the bar. */
  log(message: string): void {
    if (this.bar !== undefined) {
      this.stop();
      this.options.stream.write(`${message}\n`);
      return;
    }
    if (this.options.mode !== "off") this.options.stream.write(`${message}\n`);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.bar !== undefined) {
      this.refresh();
      this.bar.stop();
      this.bar = undefined;
    }
  }

  private payload(snapshot: ProgressSnapshot): Record<string, string | number> {
    const paused = pausedText(snapshot);
    const batch =
      snapshot.batch !== undefined && snapshot.batch.batches + snapshot.batch.waiting > 0
        ? ` · batch: ${snapshot.batch.processing} processing, ${snapshot.batch.succeeded} done`
        : "";
    return {
      failed: snapshot.failed,
      inflight: `${snapshot.filesInFlight} files/${snapshot.callsInFlight} calls`,
      tokens: `${formatCount(snapshot.inputTokens)} in / ${formatCount(snapshot.outputTokens)} out`,
      cost: formatCost(snapshot.costUsd, snapshot.costPartial),
      eta_text: snapshot.etaMs === undefined ? "…" : formatDuration(snapshot.etaMs),
      paused: `${batch}${paused === undefined ? "" : ` · ${paused}`}`,
    };
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
