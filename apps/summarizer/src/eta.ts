import type { RunStats } from "./stats.js";

/**
 * When the throttle's admissions were paused (a 429's retry-after, a ramp brake), as the union of the
 * pauses it announced. The ETA measures the run's pace over the time it was not paused, and adds what
 * is left of the current pause: during a pause it counts down instead of growing with the wait.
 */
export class PauseTimes {
  private closedMs = 0;
  private start: number | undefined;
  private end: number | undefined;

  /** A pause from `from` until `until` (epoch ms); overlapping pauses extend each other. */
  record(from: number, until: number): void {
    if (until <= from) return;
    if (this.start !== undefined && this.end !== undefined && from <= this.end) {
      this.end = Math.max(this.end, until);
      return;
    }
    if (this.start !== undefined && this.end !== undefined) this.closedMs += this.end - this.start;
    this.start = from;
    this.end = until;
  }

  /** Time spent paused up to `now`. */
  pausedMs(now: number): number {
    if (this.start === undefined || this.end === undefined) return this.closedMs;
    return this.closedMs + Math.min(Math.max(0, now - this.start), this.end - this.start);
  }

  /** What is left of the current pause at `now`. */
  remainingMs(now: number): number {
    return this.end === undefined ? 0 : Math.max(0, this.end - now);
  }
}

/**
 * Time left, from the input tokens processed so far against the planned total, at the pace of the
 * time not spent paused, plus what is left of a pause. The plan's token estimates run high on
 * purpose (they are what the limiter reserves), so they are scaled by what the finished files took.
 */
export function estimateRemainingMs(
  stats: RunStats,
  elapsedMs: number,
  pauses: { pausedMs: number; remainingMs: number } = { pausedMs: 0, remainingMs: 0 },
): number | undefined {
  if (stats.plannedWork <= 0 || stats.doneWork >= stats.plannedWork)
    return stats.filesTotal > 0 ? 0 : undefined;
  const calibration =
    stats.doneWork > 0 && stats.doneActual > 0 ? Math.min(1, stats.doneActual / stats.doneWork) : 1;
  const planned = stats.plannedWork * calibration;
  const processed = Math.max(stats.inputTokens, stats.doneActual);
  if (processed <= 0) return undefined;
  const workingMs = Math.max(0, elapsedMs - pauses.pausedMs);
  return pauses.remainingMs + (workingMs * Math.max(0, planned - processed)) / processed;
}
