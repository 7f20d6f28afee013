import { describe, expect, it } from "vitest";
import {
  emulatorForTest,
  prose,
  runInTerminal,
  screenOf,
  type TerminalRun,
  tempDir,
  writeFiles,
} from "./test-support.js";

// The live progress line as a user sees it: the built CLI on a real pseudo-terminal (util-linux
// `script`), against the emulator, and the bytes it wrote replayed into a headless terminal.

const KEY = { ANTHROPIC_API_KEY: "sk-test-key" };
const FILES = 16;

async function docs(cwd: string): Promise<void> {
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`docs/f${String(i).padStart(2, "0")}.txt`] = prose(`topic${i}`, 30);
  await writeFiles(cwd, files);
}

/**
 * An emulator slow enough that the run lasts a few seconds and the line is drawn many times, and a
 * folder of documents for it.
 */
async function setup() {
  const emu = await emulatorForTest({ latency: { firstTokenMs: 250, perOutputTokenMs: 4 } });
  const cwd = tempDir();
  await docs(cwd);
  return { emu, cwd };
}

/** An `onOutput` hook that acts once, when the live line first shows `done` or more files finished. */
function whenFilesDone(done: number, act: (type: (keys: string) => void) => void) {
  let acted = false;
  return (raw: string, type: (keys: string) => void) => {
    const shown = [...raw.matchAll(new RegExp(`(?<!\\d)(\\d+)\\/${FILES} files`, "g"))].at(-1);
    if (acted || shown === undefined || Number(shown[1]) < done) return;
    acted = true;
    act(type);
  };
}

function cliArgs(url: string, extra: readonly string[] = []): string[] {
  return [
    "docs",
    "--out",
    "out",
    "--provider",
    "anthropic",
    "--base-url",
    url,
    "--concurrency",
    "2",
    ...extra,
  ];
}

/**
 * Every state of the live line the CLI drew, in order: the visible text between control sequences
 * that looks like the progress line.
 */
function framesOf(raw: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal control sequences
  const text = raw.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b[78]/g, "\n");
  return text.split(/[\r\n]+/).filter((line) => /\d+\/\d+ files/.test(line));
}

const etaSeconds = (frame: string) => {
  const match = /ETA (?:(\d+)m)?(\d+(?:\.\d)?)s/.exec(frame);
  return match === null ? undefined : Number(match[1] ?? 0) * 60 + Number(match[2]);
};

/** The final screen holds the report, and nothing of the live line. */
async function expectCleanScreen(run: TerminalRun, cols: number, headline: RegExp): Promise<string[]> {
  expect(run.timedOut).toBe(false);
  const screen = await screenOf(run.raw, cols);
  const top = screen.findIndex((line) => headline.test(line));
  expect(top, `no line matches ${headline} on:\n${screen.join("\n")}`).toBeGreaterThanOrEqual(0);
  expect(
    screen.filter((line) => /\bETA\b/.test(line)),
    screen.join("\n"),
  ).toEqual([]);
  expect(screen.slice(top).find((line) => / in flight/.test(line))).toBeUndefined();
  // The report's lines are whole: nothing drawn over them, nothing left after them.
  expect(screen.find((line) => line.startsWith("  ok "))).toMatch(
    / every input is listed in out\/index\.json$/,
  );
  return screen;
}

/** At `cols` columns every frame fits the width and keeps the ETA. */
function expectFramesFit(run: TerminalRun, cols: number): string[] {
  const frames = framesOf(run.raw);
  expect(frames.length).toBeGreaterThan(0);
  for (const frame of frames) {
    expect(frame.length, frame).toBeLessThanOrEqual(cols - 1);
    expect(frame, frame).toMatch(/ETA (\S+)/);
  }
  return frames;
}

// Generous bounds: each run lasts 5-20 s alone, longer when turbo loads both cores.
describe("the live progress line on a real terminal", { timeout: 150_000 }, () => {
  it("fits 80 columns, keeps the ETA, and is cleared before the report when the run is done", async () => {
    const { emu, cwd } = await setup();
    const run = await runInTerminal(cliArgs(emu.url), cwd, { cols: 80, env: KEY });
    expect(run.code).toBe(0);
    const frames = expectFramesFit(run, 80);
    // The least useful fields go first: the bar and the calls in flight, not the files, cost or ETA.
    expect(frames.at(-1)).toMatch(/^\d+\/16 files · \d+ failed · .*\$[\d.]+ · ETA /);
    await expectCleanScreen(run, 80, /^Done: 16 of 16 inputs summarized into out$/);
  });

  it("shows every field at 200 columns", async () => {
    const { emu, cwd } = await setup();
    const run = await runInTerminal(cliArgs(emu.url), cwd, { cols: 200, env: KEY });
    expect(run.code).toBe(0);
    const frames = expectFramesFit(run, 200);
    expect(frames.at(-1)).toMatch(
      /^[=-]{20} \d+\/16 files · \d+ failed · \d+ files\/\d+ calls in flight · tokens [\d,]+ in \/ [\d,]+ out · \$[\d.]+ · ETA \S+$/,
    );
    await expectCleanScreen(run, 200, /^Done: 16 of 16 inputs summarized into out$/);
  });

  it("while a 429 pauses the throttle, says until when and counts the pause down in the ETA", async () => {
    const { emu, cwd } = await setup();
    const run = await runInTerminal(cliArgs(emu.url), cwd, {
      cols: 80,
      env: KEY,
      // Once a few files are done (so there is an ETA to keep), the next requests get 429 with a 6 s retry-after.
      onOutput: whenFilesDone(3, () => emu.failNext("rate_limit", { retryAfterSeconds: 6, count: 2 })),
    });
    expect(run.code).toBe(0);
    const frames = expectFramesFit(run, 80);
    const paused = frames.filter((frame) => / · paused: rate limited until \d\d:\d\d:\d\d$/.test(frame));
    expect(paused.length, frames.join("\n")).toBeGreaterThan(4);
    expect(paused.every((frame) => etaSeconds(frame) !== undefined)).toBe(true);
    // Frames of one pause (a retry that meets the second 429 starts another): the ETA counts the pause
    // down instead of growing with it (it used to grow 20 s in 20 s), and includes what is left of it.
    const byPause = new Map<string, string[]>();
    for (const frame of paused)
      byPause.set(frame.slice(-8), [...(byPause.get(frame.slice(-8)) ?? []), frame]);
    const first = [...byPause.values()].find((group) => group.length > 8);
    expect(first, paused.join("\n")).toBeDefined();
    const etas = first!.map((frame) => etaSeconds(frame)!);
    expect(etas[0]!, first!.join("\n")).toBeGreaterThanOrEqual(3);
    expect(etas.at(-1)!, first!.join("\n")).toBeLessThanOrEqual(etas[0]! - 1);
    for (const eta of etas) expect(eta, first!.join("\n")).toBeLessThanOrEqual(etas[0]! + 1);
    await expectCleanScreen(run, 80, /^Done: 16 of 16 inputs summarized into out$/);
  });

  it("after Ctrl-C, prints the stop message and the report on a clean screen", async () => {
    const { emu, cwd } = await setup();
    const run = await runInTerminal(cliArgs(emu.url), cwd, {
      cols: 80,
      env: KEY,
      onOutput: whenFilesDone(2, (type) => type("\u0003")),
    });
    expect(run.code).toBe(130);
    expectFramesFit(run, 80);
    const screen = await expectCleanScreen(run, 80, /^Interrupted: \d+ of 16 inputs summarized into out$/);
    const text = screen.join("\n");
    expect(text).toContain(
      "SIGINT: stopping. In-flight calls are being aborted and finished summaries kept (press Ctrl-C again to quit at once).",
    );
    expect(text).toContain("Finished summaries are kept. To do the rest, run:");
  });

  it("clears the line before the report when the budget is reached", async () => {
    const { emu, cwd } = await setup();
    const run = await runInTerminal(cliArgs(emu.url, ["--budget", "6k tokens"]), cwd, { cols: 80, env: KEY });
    expect(run.code).toBe(4);
    expectFramesFit(run, 80);
    await expectCleanScreen(run, 80, /^Stopped: budget reached: \d+ of 16 inputs summarized into out$/);
  });

  it("clears the line before the report when the run stops on a rejected key", async () => {
    const { emu, cwd } = await setup();
    const run = await runInTerminal(cliArgs(emu.url), cwd, {
      cols: 80,
      env: KEY,
      onOutput: whenFilesDone(2, () => emu.failNext("authentication", { count: 1_000 })),
    });
    expect(run.code).toBe(2);
    expectFramesFit(run, 80);
    await expectCleanScreen(run, 80, /^Stopped: .*API key/);
  });
});
