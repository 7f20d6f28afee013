import { startEmulator } from "@sluice/llm-emulator";
import { type Bound, latencyTerms, lowerBound, type PredictedRequest, predictRequests } from "../bound.js";
import type { CompetitorParams, CompetitorResult } from "../competitors/common.js";
import { fifoIdeal } from "../fifo-ideal.js";
import { runInChild } from "../harness/child.js";
import { type EmulatorTruth, emulatorTruth } from "../harness/emulator-truth.js";
import { seconds } from "../harness/format.js";
import { type Benchmark, measureBenchmark, type RunOptions } from "../harness/report.js";
import { inRounds } from "../harness/rounds.js";
import { ratio, type Summary, summarize } from "../harness/stats.js";
import {
  emulatorOptions,
  type MakespanScale,
  type MakespanWorkload,
  type MinuteLimits,
  makeDocuments,
  makespanWorkloads,
  promptFor,
  toldLimits,
} from "../workloads.js";
import { boundsTable, faultsTable, resultsTable } from "./makespan-tables.js";

/** How one contender is set up for a workload; `describe` goes in the table. */
interface Contender {
  readonly id: string;
  readonly label: string;
  readonly module: string;
  readonly burstSeconds?: number;
  /** Run only on these workloads (default: all). */
  readonly only?: readonly string[];
  describe(setup: Setup): string;
}

/** What the parent works out for a workload before running it. */
export interface Setup {
  readonly workload: MakespanWorkload;
  readonly scale: MakespanScale;
  readonly told: MinuteLimits | undefined;
  /** For request-counting limiters: requests per provider minute from the told limits. */
  readonly requestsPerMinute: number | undefined;
  readonly predicted: readonly PredictedRequest[];
  readonly minuteMs: number;
}

export interface MakespanRun {
  readonly workload: string;
  readonly contender: string;
  readonly round: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly result?: CompetitorResult;
  readonly emulator: EmulatorTruth;
}

export interface MakespanSummary {
  readonly workload: string;
  readonly contender: string;
  readonly configuration: string;
  readonly makespanMs: Summary;
  /** Bound ÷ median makespan, when every run finished every request; NaN otherwise. */
  readonly ofBound: number;
  /** The FIFO ideal's makespan ÷ median makespan, likewise. */
  readonly ofIdeal: number;
  /** Faulty workloads: median makespan ÷ Sluice's median on the clean twin (NaN when unknown). */
  readonly ofCleanSluice: number;
  readonly rateLimited: Summary;
  readonly attemptsPerRequest: Summary;
  /** Failed or unfinished requests (median over rounds). */
  readonly incomplete: Summary;
  readonly runsFailed: number;
}

export interface WorkloadBound {
  readonly workload: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Where the token counts come from: an emulator run that finished every request, or the prediction. */
  readonly tokensFrom: "emulator" | "prediction";
  readonly predictedInputTokens: number;
  readonly predictedOutputTokens: number;
  readonly bound: Bound;
  /**
   * The makespan of the ideal client that reserves `max_tokens` in arrival order (fifo-ideal.ts):
   * what no client sending the workload's requests as they are can beat by much, since the output
   * held by calls in flight is lost to the bound's refill whoever holds it. Never below the bound.
   */
  readonly idealMs: number;
}

const API_KEY = "sluice-bench-key";

const CONTENDERS: readonly Contender[] = [
  {
    id: "promise-all",
    label: "Promise.all + SDK retries",
    module: "competitors/promise-all",
    describe: () => "all at once; SDK maxRetries 2 (default), honours retry-after",
  },
  {
    id: "p-limit",
    label: "p-limit",
    module: "competitors/p-limit",
    describe: ({ scale }) => `pLimit(${scale.concurrency}); SDK retries`,
  },
  {
    id: "p-queue",
    label: "p-queue",
    module: "competitors/p-queue",
    describe: ({ scale, requestsPerMinute }) =>
      requestsPerMinute === undefined
        ? `concurrency ${scale.concurrency} (no limits known); SDK retries`
        : `concurrency ${scale.concurrency}, intervalCap ${requestsPerMinute} per minute, strict; SDK retries`,
  },
  {
    id: "bottleneck",
    label: "bottleneck",
    module: "competitors/bottleneck",
    describe: ({ scale, requestsPerMinute }) =>
      requestsPerMinute === undefined
        ? `maxConcurrent ${scale.concurrency} (no limits known); SDK retries`
        : `maxConcurrent ${scale.concurrency}, reservoir ${requestsPerMinute} refreshed every minute; SDK retries`,
  },
  {
    id: "sluice",
    label: "Sluice",
    module: "competitors/sluice",
    burstSeconds: 60,
    describe: ({ scale, told }) =>
      `Throttle: concurrency ${scale.concurrency}, ${told === undefined ? "limits from headers" : "RPM/ITPM/OTPM as told"}, burst 60 s, 8 attempts; withLimiter`,
  },
  {
    id: "sluice-default-burst",
    label: "Sluice (default 1 s burst)",
    module: "competitors/sluice",
    only: ["rpm", "itpm", "otpm"],
    describe: ({ scale }) => `as Sluice, with the default burstSeconds 1`,
  },
];

export const makespanBenchmark: Benchmark = {
  name: "makespan",
  title: "Throttle: makespan against the emulator, as a share of the lower bound",
  description:
    "RPM-, ITPM- and OTPM-bound batches, limits from headers, limits 30% too high, no headers: makespan vs the lower bound, 429s, attempts per request.",
  run: (options) => runMakespan(options),
};

async function runMakespan(options: RunOptions) {
  const rounds = options.rounds ?? (options.smoke ? 1 : 3);
  return measureBenchmark(makespanBenchmark, options, rounds, async () => {
    const { scale, workloads: all } = makespanWorkloads(options.smoke);
    // To re-run a few: SLUICE_BENCH_WORKLOADS=rpm,faults-rpm SLUICE_BENCH_CONTENDERS=sluice pnpm bench makespan
    const workloads = selected(all, process.env.SLUICE_BENCH_WORKLOADS, "workload");
    // A smoke run that has not finished in 6 s reports the rest as unfinished: the smoke test checks
    // accounting, not speed, and must not wait out real-time SDK backoff on a loaded machine.
    // A full run gets 30 s at the default time scale of 120, longer in proportion when compressed less.
    const deadlineMs = options.smoke ? 6_000 : Math.max(30_000, (30_000 * 120) / scale.timeScale);
    const runs: MakespanRun[] = [];
    const setups: Setup[] = [];
    for (const workload of workloads) {
      const setup = prepare(workload, scale);
      setups.push(setup);
      // Variants (`only`) re-run a module the main contenders already cover: smoke runs skip them.
      const contenders = selected(CONTENDERS, process.env.SLUICE_BENCH_CONTENDERS, "contender").filter(
        (contender) => (contender.only ? !options.smoke && contender.only.includes(workload.id) : true),
      );
      // Smoke children mostly wait (emulated latency, backoff), so more of them overlap.
      const parallel = options.smoke ? 5 : 1;
      await inRounds(
        contenders,
        rounds,
        async (contender, round) => {
          const run = await runOnce(setup, contender, round, deadlineMs);
          runs.push(run);
          const result = run.result;
          options.log(
            `makespan ${workload.id} ${contender.id} round ${round}: ${
              run.ok && result
                ? `${seconds(result.makespanMs)}, ${result.succeeded} ok, ${result.failed} failed, ${result.unfinished} unfinished, ${run.emulator.rateLimited} 429s`
                : `FAILED ${run.error}`
            }`,
          );
        },
        parallel,
      );
    }
    const bounds = setups.map((setup) => boundFor(setup, runs));
    const summaries = summarizeMakespan(setups, bounds, runs);
    const clean = summaries.filter((summary) => !isFaulty(setups, summary.workload));
    const faulty = summaries.filter((summary) => isFaulty(setups, summary.workload));
    return {
      tables: [
        boundsTable(setups, bounds, scale),
        resultsTable(setups, clean, rounds, scale, labelOf),
        ...(faulty.length > 0 ? [faultsTable(setups, faulty, rounds, labelOf)] : []),
      ],
      settings: {
        scale,
        workloads,
        deadlineMs,
        contenders: CONTENDERS.map(({ id, label, module, burstSeconds, only }) => ({
          id,
          label,
          module,
          burstSeconds,
          only,
        })),
      },
      results: { bounds, summaries, runs },
    };
  });
}

function isFaulty(setups: readonly Setup[], workload: string): boolean {
  return setups.some((setup) => setup.workload.id === workload && setup.workload.faults !== undefined);
}

function labelOf(contender: string): string {
  return CONTENDERS.find((candidate) => candidate.id === contender)?.label ?? contender;
}

/** The items whose ids `list` names (comma-separated), or all of them when it is unset. */
function selected<T extends { readonly id: string }>(
  items: readonly T[],
  list: string | undefined,
  what: string,
): T[] {
  if (list === undefined || list.trim() === "") return [...items];
  const ids = list.split(",").map((id) => id.trim());
  const unknown = ids.filter((id) => !items.some((item) => item.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown makespan ${what} ${unknown.join(", ")}; known: ${items.map((item) => item.id).join(", ")}.`,
    );
  }
  return items.filter((item) => ids.includes(item.id));
}

export function prepare(workload: MakespanWorkload, scale: MakespanScale): Setup {
  const prompts = makeDocuments(workload.documents).map(promptFor);
  const predicted = predictRequests(prompts, workload.maxTokens, scale.seed);
  const told = toldLimits(workload);
  const meanInput = predicted.reduce((sum, request) => sum + request.inputTokens, 0) / predicted.length;
  // What a careful user of a request-counting limiter would configure: the request rate the token
  // limits allow for their mean prompt, with output charged at max_tokens as the provider does.
  const requestsPerMinute =
    told === undefined
      ? undefined
      : Math.max(
          1,
          Math.floor(
            Math.min(
              told.requestsPerMinute,
              told.inputTokensPerMinute / meanInput,
              told.outputTokensPerMinute / workload.maxTokens,
            ),
          ),
        );
  return { workload, scale, told, requestsPerMinute, predicted, minuteMs: 60_000 / scale.timeScale };
}

async function runOnce(
  setup: Setup,
  contender: Contender,
  round: number,
  deadlineMs: number,
): Promise<MakespanRun> {
  const { workload, scale } = setup;
  const emulator = await startEmulator(emulatorOptions(workload, scale));
  try {
    const params = competitorParams(setup, emulator.url, deadlineMs, contender.burstSeconds);
    const outcome = await runInChild<CompetitorResult>({
      module: contender.module,
      params,
      timeoutMs: deadlineMs + 20_000,
    });
    const truth = emulatorTruth(emulator.stats());
    return outcome.ok
      ? {
          workload: workload.id,
          contender: contender.id,
          round,
          ok: true,
          result: outcome.data,
          emulator: truth,
        }
      : {
          workload: workload.id,
          contender: contender.id,
          round,
          ok: false,
          error: outcome.error,
          emulator: truth,
        };
  } finally {
    await emulator.close();
  }
}

/** What a competitor child gets for one workload against the emulator at `url`. */
export function competitorParams(
  setup: Setup,
  url: string,
  deadlineMs: number,
  burstSeconds: number | undefined,
): CompetitorParams {
  const { workload, scale } = setup;
  return {
    url,
    apiKey: API_KEY,
    model: scale.model,
    documents: workload.documents,
    maxTokens: workload.maxTokens,
    timeScale: scale.timeScale,
    minuteMs: setup.minuteMs,
    concurrency: scale.concurrency,
    told: setup.told,
    requestsPerMinute: setup.requestsPerMinute,
    ...(burstSeconds === undefined ? {} : { burstSeconds }),
    deadlineMs,
  };
}

/** The bound of a workload, from the token counts of an emulator run that finished every request. */
export function boundFor(setup: Setup, runs: readonly MakespanRun[]): WorkloadBound {
  const { workload, scale, predicted } = setup;
  const n = predicted.length;
  const predictedInputTokens = predicted.reduce((sum, request) => sum + request.inputTokens, 0);
  const predictedOutputTokens = predicted.reduce((sum, request) => sum + request.outputTokens, 0);
  // A faulty workload is held to its clean twin's bound: the work is the same, the faults are not.
  const boundOf = workload.cleanOf ?? workload.id;
  const complete = runs.find(
    (run) => run.workload === boundOf && run.ok && run.result?.succeeded === n && run.emulator.admitted === n,
  );
  const inputTokens = complete?.emulator.inputTokens ?? predictedInputTokens;
  const outputTokens = complete?.emulator.outputTokens ?? predictedOutputTokens;
  const bound = lowerBound({
    requests: n,
    inputTokens,
    outputTokens,
    ...latencyTerms(
      predicted.map((request) => request.outputTokens),
      scale,
    ),
    concurrency: scale.concurrency,
    limits: workload.limits,
    minuteMs: setup.minuteMs,
  });
  return {
    workload: workload.id,
    requests: n,
    inputTokens,
    outputTokens,
    tokensFrom: complete ? "emulator" : "prediction",
    predictedInputTokens,
    predictedOutputTokens,
    bound,
    idealMs: Math.max(bound.ms, fifoIdeal(predicted, workload.maxTokens, workload.limits, scale)),
  };
}

function summarizeMakespan(
  setups: readonly Setup[],
  bounds: readonly WorkloadBound[],
  runs: readonly MakespanRun[],
): MakespanSummary[] {
  const summaries: MakespanSummary[] = [];
  for (const setup of setups) {
    const id = setup.workload.id;
    const n = setup.predicted.length;
    const { bound, idealMs } = bounds.find((candidate) => candidate.workload === id)!;
    for (const contender of CONTENDERS) {
      const mine = runs.filter((run) => run.workload === id && run.contender === contender.id);
      if (mine.length === 0) continue;
      const ok = mine.filter((run) => run.ok && run.result !== undefined);
      const incomplete = ok.map((run) => run.result!.failed + run.result!.unfinished);
      const makespanMs = summarize(ok.map((run) => run.result!.makespanMs));
      const allComplete = ok.length === mine.length && incomplete.every((count) => count === 0);
      const cleanOf = setup.workload.cleanOf;
      const cleanSluice = runs.filter(
        (run) => run.workload === cleanOf && run.contender === "sluice" && run.ok && run.result !== undefined,
      );
      const cleanMedian = summarize(cleanSluice.map((run) => run.result!.makespanMs)).median;
      summaries.push({
        workload: id,
        contender: contender.id,
        configuration: contender.describe(setup),
        makespanMs,
        ofBound: allComplete ? ratio(bound.ms, makespanMs.median) : Number.NaN,
        ofIdeal: allComplete ? ratio(idealMs, makespanMs.median) : Number.NaN,
        ofCleanSluice:
          cleanOf !== undefined && cleanSluice.length > 0 ? makespanMs.median / cleanMedian : Number.NaN,
        rateLimited: summarize(mine.map((run) => run.emulator.rateLimited)),
        attemptsPerRequest: summarize(mine.map((run) => run.emulator.requests / n)),
        incomplete: summarize(incomplete),
        runsFailed: mine.length - ok.length,
      });
    }
  }
  return summaries;
}
