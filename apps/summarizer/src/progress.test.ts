import { describe, expect, it } from "vitest";
import { PauseTimes } from "./eta.js";
import { clockTime, fitProgressLine, formatDuration, formatProgressLine, takeSnapshot } from "./progress.js";
import { RunStats } from "./stats.js";

describe("progress", () => {
  it("shows files, calls, tokens, cost, ETA and a rate-limit pause", () => {
    const stats = new RunStats();
    Object.assign(stats, {
      filesTotal: 10,
      filesOk: 3,
      filesFailed: 1,
      filesInFlight: 2,
      attemptsInFlight: 4,
      inputTokens: 12_345,
      outputTokens: 678,
      costUsd: 0.0421,
      plannedWork: 100_000,
      doneWork: 40_000,
      doneActual: 10_000,
    });
    const until = Date.now() + 30_000;
    const snapshot = takeSnapshot({
      stats,
      throttle: { stats: () => ({ pausedUntil: until, pauseReason: "rate_limited", queued: 5 }) },
    });
    const line = formatProgressLine(snapshot);
    expect(line).toContain("4/10 files");
    expect(line).toContain("3 ok, 1 failed");
    expect(line).toContain("2 in flight (4 calls, 5 queued)");
    expect(line).toContain("tokens 12,345 in / 678 out");
    expect(line).toContain("$0.042");
    expect(line).toContain(`paused: rate limited until ${clockTime(until)}`);
    // Finished files took a quarter of their estimate, so the 100k planned are ~25k real tokens;
    // 12,345 are done, and what is left takes proportionally long, after the 30 s left of the pause.
    expect(snapshot.etaMs! - 30_000).toBeCloseTo((snapshot.elapsedMs * (25_000 - 12_345)) / 12_345, -2);
  });

  it("measures the pace over the time not paused, so a pause counts down in the ETA", () => {
    const stats = new RunStats();
    Object.assign(stats, { filesTotal: 4, plannedWork: 1_000, inputTokens: 500 });
    // 10 s into the run, 500 of 1,000 tokens done; then a 429 pauses admissions for 6 s.
    stats.elapsedMs = () => 10_000;
    const pauses = new PauseTimes();
    const t0 = 1_000_000;
    pauses.record(t0, t0 + 6_000);
    const etaAt = (offset: number) => {
      stats.elapsedMs = () => 10_000 + offset;
      return takeSnapshot({ stats, pauses, now: () => t0 + offset }).etaMs!;
    };
    expect(etaAt(0)).toBe(16_000);
    expect(etaAt(2_000)).toBe(14_000);
    expect(etaAt(6_000)).toBe(10_000);
    // A second 429 during the pause extends it; the time paused is counted once.
    pauses.record(t0 + 5_000, t0 + 8_000);
    expect(pauses.pausedMs(t0 + 9_000)).toBe(8_000);
    // 19 s in, 8 s of them paused: 11 s of work did half of it.
    expect(etaAt(9_000)).toBe(11_000);
  });

  it("fits the line to the terminal, dropping the least useful fields first", () => {
    const stats = new RunStats();
    Object.assign(stats, {
      filesTotal: 120,
      filesOk: 40,
      filesFailed: 2,
      filesInFlight: 16,
      attemptsInFlight: 8,
      inputTokens: 1_234_567,
      outputTokens: 98_765,
      costUsd: 4.5,
      plannedWork: 3_000_000,
      doneWork: 1_000_000,
      doneActual: 1_000_000,
    });
    const until = Date.now() + 20_000;
    const snapshot = takeSnapshot({
      stats,
      throttle: { stats: () => ({ pausedUntil: until, pauseReason: "rate_limited", queued: 3 }) },
    });
    const wide = fitProgressLine(snapshot, 200);
    expect(wide).toMatch(
      /^={7}-{13} 42\/120 files · 2 failed · 16 files\/8 calls in flight · tokens 1\.23M in \/ 98,765 out · \$4\.500 · ETA \S+ · paused: rate limited until \d\d:\d\d:\d\d$/,
    );
    const at80 = fitProgressLine(snapshot, 80);
    expect(at80.length).toBeLessThan(80);
    expect(at80).toMatch(/^42\/120 files · 2 failed · ETA \S+ · paused: rate limited until \d\d:\d\d:\d\d$/);
    const at40 = fitProgressLine(snapshot, 40);
    expect(at40.length).toBeLessThan(40);
    expect(at40).toMatch(/^42\/120 files · ETA /);
    for (const columns of [200, 120, 80, 60, 40, 20, 10])
      expect(fitProgressLine(snapshot, columns).length).toBeLessThan(columns);
  });

  it("formats durations and clock times", () => {
    expect(formatDuration(950)).toBe("0.9s");
    expect(formatDuration(75_000)).toBe("1m15s");
    expect(formatDuration(119_900)).toBe("1m59s");
    expect(formatDuration(4_000_000)).toBe("1h06m");
    expect(clockTime(new Date(2026, 0, 1, 9, 5, 7).getTime())).toBe("09:05:07");
  });
});
