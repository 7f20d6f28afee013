import { describe, expect, it } from "vitest";
import { clockTime, formatDuration, formatProgressLine, takeSnapshot } from "./progress.js";
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
    // 12,345 are done, and what is left takes proportionally long.
    expect(snapshot.etaMs).toBeCloseTo((snapshot.elapsedMs * (25_000 - 12_345)) / 12_345, 0);
  });

  it("formats durations and clock times", () => {
    expect(formatDuration(950)).toBe("0.9s");
    expect(formatDuration(75_000)).toBe("1m15s");
    expect(formatDuration(119_900)).toBe("1m59s");
    expect(formatDuration(4_000_000)).toBe("1h06m");
    expect(clockTime(new Date(2026, 0, 1, 9, 5, 7).getTime())).toBe("09:05:07");
  });
});
