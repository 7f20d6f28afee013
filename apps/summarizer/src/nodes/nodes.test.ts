import { promises as fs } from "node:fs";
import path from "node:path";
import { AuthenticationError, type ChatModel, RateLimitError } from "@sluice/llm";
import { describe, expect, it } from "vitest";
import { Budget } from "../budget.js";
import { chunkText } from "../chunk.js";
import { type DiscoveredFile, discoverInputs } from "../inputs.js";
import { Journal } from "../journal.js";
import type { BudgetLimit } from "../options.js";
import { estimateDocument } from "../prompts.js";
import { RunStats } from "../stats.js";
import { prose, scriptedModel, tempDir, writeFiles } from "../test-support.js";
import {
  isWorthRetrying,
  LoadAndSummarizeFile,
  RunControl,
  SummarizeMultipleFiles,
  type SummarizerServices,
  type SummarizerShared,
} from "./index.js";

const FAST_RETRY = { maxRetries: 3, initialDelayMs: 1, maxDelayMs: 5 };

async function summarize(
  files: Record<string, string>,
  model: ChatModel,
  options: {
    chunkTokens?: number;
    budget?: BudgetLimit;
    filesInFlight?: number;
    plannedCalls?: Record<string, number>;
  } = {},
) {
  const root = tempDir();
  await writeFiles(root, files);
  const out = path.join(root, "out");
  const entries = (await discoverInputs([root], { cwd: root, outDir: out })).filter(
    (entry): entry is DiscoveredFile => entry.kind === "file",
  );
  const journal = await Journal.open(out);
  const stats = new RunStats();
  const services: SummarizerServices = {
    model,
    provider: "scripted",
    maxTokens: 100,
    chunkTokens: options.chunkTokens ?? 2_000,
    maxFileBytes: 1024 * 1024,
    requestTimeoutMs: 10_000,
    outDir: out,
    journal,
    budget: new Budget(options.budget, (t) => t.inputTokens + t.outputTokens),
    stats,
    control: new RunControl(),
    batch: false,
    price: () => 0.001,
    written: new Map(),
    writesInFlight: new Set(),
  };
  const shared: SummarizerShared = {
    jobs: entries.map((file, index) => ({
      index,
      file,
      output: file.relative.replace(/\.txt$/, ".md"),
      ...(options.plannedCalls?.[file.relative] === undefined
        ? {}
        : { plannedCalls: options.plannedCalls[file.relative] }),
    })),
    outcomes: new Map(),
    work: new Map(),
  };
  const retries: number[] = [];
  await new SummarizeMultipleFiles(
    services,
    new LoadAndSummarizeFile(services, FAST_RETRY),
    options.filesInFlight ?? 4,
  ).run(shared, { onEvent: (event) => event.type === "retry" && retries.push(event.attempt) });
  await journal.close();
  const outcome = (name: string) =>
    shared.outcomes.get(shared.jobs.findIndex((job) => job.file.relative === name));
  return { out, shared, stats, services, outcome, retries, journal: await Journal.read(out) };
}

describe("isWorthRetrying", () => {
  it("retries transient failures, not errors that would fail again", () => {
    expect(isWorthRetrying(new RateLimitError({}))).toBe(true);
    expect(isWorthRetrying(new Error("socket hang up"))).toBe(true);
    expect(isWorthRetrying(new AuthenticationError({}))).toBe(false);
    expect(
      isWorthRetrying(Object.assign(new Error("too big"), { code: "THROTTLE_COST_EXCEEDS_LIMIT" })),
    ).toBe(false);
  });
});

describe("SummarizeMultipleFiles", () => {
  it("summarizes each file into DIR/<name>.md and journals it", async () => {
    const model = scriptedModel();
    const run = await summarize({ "a.txt": prose("apple", 5), "b.txt": prose("bread", 5) }, model);
    expect(run.outcome("a.txt")).toMatchObject({
      status: "ok",
      output: "a.md",
      chunks: 1,
      calls: 1,
      costUsd: 0.001,
    });
    expect(await fs.readFile(path.join(run.out, "a.md"), "utf8")).toContain(
      "The apple note number 1 says that apple matters",
    );
    expect(model.calls).toHaveLength(2);
    expect(run.journal.filter((record) => record.type === "file" && record.status === "ok")).toHaveLength(2);
    expect(run.stats).toMatchObject({ filesOk: 2, filesInFlight: 0 });
  });

  it("summarizes a long file map-reduce: one call per chunk, then combining rounds until one summary is left", async () => {
    const model = scriptedModel();
    // ~100 paragraphs of ~100 tokens in 300-token chunks: ~35 chunks, so combining takes two rounds.
    const text = Array.from({ length: 100 }, (_, index) => prose(`part${index}`, 4)).join("\n\n");
    const run = await summarize({ "long.txt": text }, model, { chunkTokens: 300 });
    const outcome = run.outcome("long.txt");
    const chunks = outcome?.chunks ?? 0;
    expect(chunks).toBeGreaterThan(10);
    const combining = model.calls.filter((call) =>
      call.request.messages[0]?.content.startsWith("Summarize in at most 6"),
    );
    expect(combining.length).toBeGreaterThanOrEqual(2);
    expect(model.calls.length).toBe(chunks + combining.length);
    expect(outcome).toMatchObject({ status: "ok", calls: model.calls.length });
    // The final summary is the combination of the first part's summary, so the text's start survives.
    expect(await fs.readFile(path.join(run.out, "long.md"), "utf8")).toContain("part0 note number 1");
  });

  it("starts the files that need several calls first, each group in input order", async () => {
    const model = scriptedModel();
    const long = Array.from({ length: 12 }, (_, index) => prose(`part${index}`, 4)).join("\n\n");
    const files = { "a.txt": prose("apple", 3), "b.txt": long, "c.txt": prose("cherry", 3), "d.txt": long };
    const run = await summarize(files, model, {
      chunkTokens: 300,
      filesInFlight: 1,
      plannedCalls: { "a.txt": 1, "b.txt": 4, "c.txt": 1, "d.txt": 4 },
    });
    const finished = run.journal.flatMap((record) =>
      record.type === "file" ? [path.basename(record.input)] : [],
    );
    expect(finished).toEqual(["b.txt", "d.txt", "a.txt", "c.txt"]);
    expect([...run.shared.outcomes.values()].every((outcome) => outcome.status === "ok")).toBe(true);
  });

  it("retries a rate-limited call and records a file whose call keeps failing, while the others go on", async () => {
    const model = scriptedModel((request, call) => {
      const content = request.messages[0]?.content ?? "";
      if (content.includes("bad")) return new RateLimitError({ retryAfterMs: 1 });
      if (call === 1) return new RateLimitError({ retryAfterMs: 1 });
      return undefined;
    });
    const run = await summarize({ "bad.txt": prose("bad", 3), "good.txt": prose("good", 3) }, model, {
      filesInFlight: 1,
    });
    expect(run.outcome("good.txt")).toMatchObject({ status: "ok" });
    expect(run.outcome("bad.txt")).toMatchObject({ status: "error", code: "rate_limited" });
    expect(run.retries.length).toBeGreaterThanOrEqual(2);
    expect(run.journal.some((record) => record.type === "file" && record.status === "error")).toBe(true);
  });

  it("stops launching files after an error every call would hit, without retrying it", async () => {
    const model = scriptedModel(() => new AuthenticationError({}));
    const run = await summarize(
      { "a.txt": prose("a", 2), "b.txt": prose("b", 2), "c.txt": prose("c", 2) },
      model,
      { filesInFlight: 1 },
    );
    expect(model.calls).toHaveLength(1);
    expect(run.retries).toHaveLength(0);
    expect(run.outcome("a.txt")).toMatchObject({ status: "error", code: "authentication" });
    expect(run.outcome("b.txt")).toMatchObject({ status: "skipped", code: "run_stopped" });
    expect(run.outcome("c.txt")).toMatchObject({ status: "skipped", code: "run_stopped" });
  });

  it("skips files whose estimate does not fit the budget, and everything after them", async () => {
    const model = scriptedModel();
    const text = prose("a", 10);
    const estimate = estimateDocument(chunkText(text, 2_000), "a.txt", 100, 2_000);
    // Room for one file's estimate; once it spent anything, not for another.
    const amount = estimate.inputTokens + estimate.outputTokens + 10;
    const run = await summarize({ "a.txt": text, "b.txt": prose("b", 10), "c.txt": prose("c", 10) }, model, {
      budget: { unit: "tokens", amount },
      filesInFlight: 1,
    });
    expect(run.outcome("a.txt")).toMatchObject({ status: "ok" });
    expect(run.outcome("b.txt")).toMatchObject({ status: "skipped", code: "budget_reached" });
    expect(run.outcome("c.txt")).toMatchObject({ status: "skipped", code: "budget_reached" });
    expect(model.calls).toHaveLength(1);
  });
});
