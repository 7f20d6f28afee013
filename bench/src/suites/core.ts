import { runInChild } from "../harness/child.js";
import { fixed, integer, megabytes, seconds, times } from "../harness/format.js";
import { type Benchmark, measureBenchmark, type RunOptions } from "../harness/report.js";
import { inRounds } from "../harness/rounds.js";
import { ratio, type Summary, summarize } from "../harness/stats.js";
import type { Table } from "../harness/table.js";
import type { CoreCase, CoreSample } from "./core/case.js";

/** A piece of work both libraries do: the loop, or a parallel batch of some size. */
interface Work {
  readonly id: string;
  readonly label: string;
  readonly shape: CoreCase["shape"];
  readonly size: number;
  /** "step" or "item", for the per-unit column. */
  readonly unit: string;
}

interface Contender {
  readonly id: string;
  readonly label: string;
  readonly module: string;
  readonly reference: boolean;
  /** Which works it runs, and how. */
  readonly caseFor: (work: Work, warmup: number) => CoreCase | undefined;
}

export interface CoreRun {
  readonly work: string;
  readonly contender: string;
  readonly round: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly wallMs?: number;
  readonly units?: number;
  readonly peakKb?: number;
  readonly baselineKb?: number;
}

export interface CoreSummary {
  readonly work: string;
  readonly contender: string;
  readonly wallMs: Summary;
  readonly perUnitUs: number;
  readonly peakKb: Summary;
  readonly growthKb: Summary;
  readonly timeVsReference: number;
  readonly memoryVsReference: number;
  readonly failures: number;
}

const CAP = 64;

const CONTENDERS: readonly Contender[] = [
  {
    id: "pocketflow",
    label: "pocketflow 1.0.4",
    module: "suites/core/pocketflow",
    reference: true,
    caseFor: (work, warmup) => ({ shape: work.shape, size: work.size, source: "array", warmup }),
  },
  {
    id: "sluice",
    label: "@sluice/core",
    module: "suites/core/sluice",
    reference: false,
    caseFor: (work, warmup) => ({ shape: work.shape, size: work.size, source: "array", warmup }),
  },
  {
    id: "sluice-capped",
    label: `@sluice/core, concurrency ${CAP}, generator`,
    module: "suites/core/sluice",
    reference: false,
    caseFor: (work, warmup) =>
      work.shape === "batch"
        ? { shape: "batch", size: work.size, source: "generator", concurrency: CAP, warmup }
        : undefined,
  },
];

function worksFor(smoke: boolean): Work[] {
  const loop = smoke ? 2_000 : 100_000;
  const [small, large] = smoke ? [2_000, 20_000] : [100_000, 1_000_000];
  return [
    { id: "loop", label: `loop, ${integer(loop)} steps`, shape: "loop", size: loop, unit: "step" },
    { id: "batch-small", label: `batch, ${integer(small)} items`, shape: "batch", size: small, unit: "item" },
    { id: "batch-large", label: `batch, ${integer(large)} items`, shape: "batch", size: large, unit: "item" },
  ];
}

export const coreBenchmark: Benchmark = {
  name: "core",
  title: "Core: flows and parallel batches, @sluice/core vs pocketflow 1.0.4",
  description:
    "A 100,000-step looping flow and ParallelBatchNode over 100,000 and 1,000,000 trivial items: wall time, time per step/item, peak RSS.",
  run: (options) => runCore(options),
};

async function runCore(options: RunOptions) {
  const rounds = options.rounds ?? (options.smoke ? 1 : 3);
  return measureBenchmark(coreBenchmark, options, rounds, async () => {
    const works = worksFor(options.smoke);
    const warmup = options.smoke ? 100 : 1_000;
    const timeoutMs = options.smoke ? 60_000 : 180_000;
    const runs: CoreRun[] = [];
    for (const work of works) {
      const contenders = CONTENDERS.filter((contender) => contender.caseFor(work, warmup) !== undefined);
      await inRounds(contenders, rounds, async (contender, round) => {
        const test = contender.caseFor(work, warmup)!;
        const outcome = await runInChild<CoreSample>({ module: contender.module, params: test, timeoutMs });
        const run: CoreRun = outcome.ok
          ? {
              work: work.id,
              contender: contender.id,
              round,
              ok: outcome.data.units === work.size,
              ...(outcome.data.units === work.size
                ? {}
                : { error: `did ${outcome.data.units} units instead of ${work.size}` }),
              wallMs: outcome.data.wallMs,
              units: outcome.data.units,
              peakKb: outcome.memory.peakKb,
              baselineKb: outcome.memory.baselineKb,
            }
          : { work: work.id, contender: contender.id, round, ok: false, error: outcome.error };
        runs.push(run);
        options.log(
          `core ${work.id} ${contender.id} round ${round}: ${
            run.ok ? `${fixed(run.wallMs!, 0)} ms, peak ${megabytes(run.peakKb!)}` : `FAILED ${run.error}`
          }`,
        );
      });
    }
    const summaries = summarizeCore(works, runs);
    return {
      tables: [coreTable(works, summaries, rounds), flatnessTable(works, summaries)],
      settings: { works, contenders: CONTENDERS.map(({ id, label }) => ({ id, label })), warmup, cap: CAP },
      results: { runs, summaries },
    };
  });
}

function summarizeCore(works: readonly Work[], runs: readonly CoreRun[]): CoreSummary[] {
  const summaries: CoreSummary[] = [];
  for (const work of works) {
    const of = (contender: string) =>
      runs.filter((run) => run.work === work.id && run.contender === contender);
    const reference = of("pocketflow").filter((run) => run.ok);
    const referenceWall = summarize(reference.map((run) => run.wallMs!)).median;
    const referencePeak = summarize(reference.map((run) => run.peakKb!)).median;
    for (const contender of CONTENDERS) {
      const all = of(contender.id);
      if (all.length === 0) continue;
      const ok = all.filter((run) => run.ok);
      const wallMs = summarize(ok.map((run) => run.wallMs!));
      const peakKb = summarize(ok.map((run) => run.peakKb!));
      summaries.push({
        work: work.id,
        contender: contender.id,
        wallMs,
        perUnitUs: (wallMs.median * 1000) / work.size,
        peakKb,
        growthKb: summarize(ok.map((run) => run.peakKb! - run.baselineKb!)),
        timeVsReference: ratio(wallMs.median, referenceWall),
        memoryVsReference: ratio(peakKb.median, referencePeak),
        failures: all.length - ok.length,
      });
    }
  }
  return summaries;
}

function coreTable(works: readonly Work[], summaries: readonly CoreSummary[], rounds: number): Table {
  const rows = summaries.map((summary) => {
    const work = works.find((candidate) => candidate.id === summary.work)!;
    const contender = CONTENDERS.find((candidate) => candidate.id === summary.contender)!;
    return [
      work.label,
      contender.label,
      summary.wallMs.count === 0 ? `failed (${summary.failures})` : seconds(summary.wallMs.median, 3),
      `${fixed(summary.perUnitUs, 2)} µs/${work.unit}`,
      megabytes(summary.peakKb.median),
      megabytes(summary.growthKb.median),
      contender.reference ? "1.00× (ref)" : times(summary.timeVsReference),
      contender.reference ? "1.00× (ref)" : times(summary.memoryVsReference),
    ];
  });
  return {
    title: "Core: wall time and peak memory (medians)",
    header: [
      "work",
      "implementation",
      "wall",
      "per unit",
      "peak RSS",
      "RSS growth",
      "time vs pocketflow",
      "peak RSS vs pocketflow",
    ],
    numeric: [2, 3, 4, 5, 6, 7],
    rows,
    notes: [
      `Median of ${rounds} round(s); each run is a fresh Node process, runs alternate between implementations.`,
      "Trivial work per item (`item + 1`); the batch is wrapped in a Flow; a warm-up run precedes the measured one.",
      "Peak RSS is the process's high-water mark (`process.resourceUsage().maxRSS`); growth is peak minus the peak before the run.",
      "Ratios below 1.00× favour @sluice/core. pocketflow takes batch items only as an array and runs them all at once.",
    ],
  };
}

/** The capped, generator-fed batch must keep a flat memory profile from the small to the large batch. */
function flatnessTable(works: readonly Work[], summaries: readonly CoreSummary[]): Table {
  const [, small, large] = works;
  const peak = (work: Work | undefined, contender: string) =>
    summaries.find((summary) => summary.work === work?.id && summary.contender === contender)?.peakKb
      .median ?? Number.NaN;
  const row = (contender: string) => {
    const label = CONTENDERS.find((candidate) => candidate.id === contender)!.label;
    const before = peak(small, contender);
    const after = peak(large, contender);
    return [
      label,
      megabytes(before),
      megabytes(after),
      megabytes(after - before),
      times(ratio(after, before)),
    ];
  };
  return {
    title: `Core: peak RSS from ${small?.label ?? "small"} to ${large?.label ?? "large"}`,
    header: ["implementation", "peak RSS (small)", "peak RSS (large)", "difference", "large ÷ small"],
    numeric: [1, 2, 3, 4],
    rows: [row("pocketflow"), row("sluice"), row("sluice-capped")],
    notes: [
      "With a concurrency cap and a generator, items are pulled as slots free up; what still grows is the results array post receives (one slot per item).",
    ],
  };
}
