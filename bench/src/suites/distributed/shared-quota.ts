import { startEmulator } from "@sluice/llm-emulator";
import type { CompetitorParams, CompetitorResult } from "../../competitors/common.js";
import { startBarrier } from "../../harness/barrier.js";
import { runInChild } from "../../harness/child.js";
import { type EmulatorTruth, emulatorTruth } from "../../harness/emulator-truth.js";
import { integer, percent, seconds } from "../../harness/format.js";
import { inRounds } from "../../harness/rounds.js";
import { ratio, summarize } from "../../harness/stats.js";
import { emulatorOptions, makespanWorkloads } from "../../workloads.js";
import { boundFor, competitorParams, type MakespanRun, prepare, type Setup } from "../makespan.js";
import type { DistributedContext, DistributedSection, SectionResult } from "./sections.js";

const PROCESSES = 4;
/** How long children may take to load and warm up before the start line. */
const WARM_UP_MS = 30_000;

interface Variant {
  readonly id: string;
  readonly label: string;
  readonly processes: number;
  readonly shared: boolean;
}

const VARIANTS: readonly Variant[] = [
  { id: "one", label: "1 process, in-memory Throttle", processes: 1, shared: false },
  { id: "one-redis", label: "1 process, quota in Redis", processes: 1, shared: true },
  { id: "shared", label: `${PROCESSES} processes, one quota in Redis`, processes: PROCESSES, shared: true },
  {
    id: "separate",
    label: `${PROCESSES} processes, a Throttle each (collision)`,
    processes: PROCESSES,
    shared: false,
  },
];

export interface SharedQuotaRun {
  readonly workload: string;
  readonly variant: string;
  readonly round: number;
  readonly ok: boolean;
  readonly error?: string;
  /** First send of any process to the last settled request of all, real ms. */
  readonly makespanMs: number;
  readonly succeeded: number;
  readonly incomplete: number;
  readonly emulator: EmulatorTruth;
  readonly children: readonly CompetitorResult[];
}

/**
 * The makespan workloads run by N processes: sharing one quota through RedisThrottleStore, each with
 * its own in-memory Throttle configured with the whole quota (what happens without coordination),
 * and by one process. Each is the Sluice contender of the makespan benchmark, given a share of the
 * documents.
 */
export const sharedQuotaSection: DistributedSection = {
  id: "shared-quota",
  async run(context: DistributedContext): Promise<SectionResult> {
    const { scale, workloads: all } = makespanWorkloads(context.smoke);
    // To re-run a few: SLUICE_BENCH_WORKLOADS=rpm SLUICE_BENCH_VARIANTS=shared pnpm bench distributed
    const ids =
      fromEnvironment("SLUICE_BENCH_WORKLOADS") ?? (context.smoke ? ["itpm"] : ["rpm", "itpm", "otpm"]);
    const variantIds = fromEnvironment("SLUICE_BENCH_VARIANTS");
    const variants = VARIANTS.filter((variant) => variantIds?.includes(variant.id) ?? true);
    const setups = ids.map((id) => prepare(all.find((workload) => workload.id === id)!, scale));
    const deadlineMs = context.smoke ? 10_000 : 30_000;
    const runs: SharedQuotaRun[] = [];
    for (const setup of setups) {
      await inRounds(variants, context.rounds, async (variant, round) => {
        const run = await runVariant(setup, variant, round, deadlineMs, context.redisUrl);
        runs.push(run);
        context.log(
          `distributed ${setup.workload.id} ${variant.id} round ${round}: ${
            run.ok
              ? `${seconds(run.makespanMs)}, ${run.succeeded} ok, ${run.incomplete} incomplete, ${run.emulator.rateLimited} 429s`
              : `FAILED ${run.error}`
          }`,
        );
      });
    }
    // The bound needs the tokens the emulator counted on a complete run: the one-process runs give them.
    const bounds = setups.map((setup) =>
      boundFor(setup, runs.filter((run) => run.variant === "one").map(asMakespanRun)),
    );
    const summaries = setups.flatMap((setup, index) =>
      variants.map((variant) => {
        const mine = runs.filter((run) => run.workload === setup.workload.id && run.variant === variant.id);
        const complete = mine.every((run) => run.ok && run.incomplete === 0);
        const makespanMs = summarize(mine.filter((run) => run.ok).map((run) => run.makespanMs));
        return {
          workload: setup.workload.id,
          variant: variant.id,
          makespanMs,
          ofBound: complete ? ratio(bounds[index]!.bound.ms, makespanMs.median) : Number.NaN,
          ofIdeal: complete ? ratio(bounds[index]!.idealMs, makespanMs.median) : Number.NaN,
          rateLimited: summarize(mine.map((run) => run.emulator.rateLimited)),
          attemptsPerRequest: summarize(mine.map((run) => run.emulator.requests / setup.predicted.length)),
          incomplete: summarize(mine.map((run) => run.incomplete)),
        };
      }),
    );
    return {
      tables: [
        {
          title: `One quota, ${PROCESSES} processes: makespan as a share of the lower bound, and 429s`,
          header: [
            "workload",
            "bound",
            "clients",
            "makespan (median)",
            "of bound",
            "of FIFO ideal",
            "429s (median, max)",
            "attempts/request",
            "incomplete",
          ],
          numeric: [1, 3, 4, 5, 6, 7, 8],
          rows: summaries.map((summary) => {
            const bound = bounds.find((candidate) => candidate.workload === summary.workload)!;
            return [
              summary.workload,
              seconds(bound.bound.ms),
              VARIANTS.find((variant) => variant.id === summary.variant)!.label,
              seconds(summary.makespanMs.median),
              percent(summary.ofBound),
              percent(summary.ofIdeal),
              `${integer(summary.rateLimited.median)}, ${integer(summary.rateLimited.max)}`,
              summary.attemptsPerRequest.median.toFixed(2),
              integer(summary.incomplete.median),
            ];
          }),
          notes: [
            `The makespan benchmark's workloads against the emulator (limits enforced, k = ${scale.timeScale}: a provider minute lasts ${seconds(60_000 / scale.timeScale)}), ${context.rounds} round(s); "of bound" is bound ÷ makespan, "of FIFO ideal" the makespan of an ideal client reserving max_tokens in arrival order (see the makespan section) ÷ makespan.`,
            `Every process runs the makespan benchmark's Sluice client (concurrency ${scale.concurrency}, the told limits, burst 60 s) on its share of the documents; "one quota" adds RedisThrottleStore with a shared concurrency cap of ${scale.concurrency}; the separate processes each believe they own the whole quota.`,
            "Makespan runs from the first send of any process to the last settled request; the processes pass a start line together after their warm-up. Targets: one quota → zero 429s and ≥ 95% of the bound (of the FIFO ideal where max_tokens reservations held in flight put the bound out of reach).",
          ],
        },
      ],
      settings: { processes: PROCESSES, scale, workloads: ids, deadlineMs, variants: VARIANTS },
      results: { bounds, summaries, runs },
    };
  },
};

async function runVariant(
  setup: Setup,
  variant: Variant,
  round: number,
  deadlineMs: number,
  redisUrl: string,
): Promise<SharedQuotaRun> {
  const { workload, scale } = setup;
  const emulator = await startEmulator(emulatorOptions(workload, scale));
  let barrier: Awaited<ReturnType<typeof startBarrier>> | undefined;
  try {
    const base = competitorParams(setup, emulator.url, deadlineMs, 60);
    const line = await startBarrier(variant.processes);
    barrier = line;
    const quota = `bench-${workload.id}-${round}-${Date.now()}`;
    const outcomes = await Promise.all(
      Array.from({ length: variant.processes }, (_, index) =>
        runInChild<CompetitorResult>({
          module: "competitors/sluice",
          params: {
            ...base,
            ...(variant.processes > 1
              ? { shard: { index, count: variant.processes }, startBarrierUrl: line.url }
              : {}),
            ...(variant.shared
              ? {
                  sharedQuota: {
                    url: redisUrl,
                    quota,
                    ...(process.env.SLUICE_BENCH_NO_SHARED_CAP ? {} : { concurrency: scale.concurrency }),
                  },
                }
              : {}),
          } satisfies CompetitorParams,
          timeoutMs: deadlineMs + WARM_UP_MS + 20_000,
        }),
      ),
    );
    const truth = emulatorTruth(emulator.stats());
    const failed = outcomes.find((outcome) => !outcome.ok);
    const children = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.data] : []));
    const succeeded = children.reduce((sum, child) => sum + child.succeeded, 0);
    const makespanMs =
      Math.max(...children.map((child) => child.endedAtMs!)) -
      Math.min(...children.map((child) => child.startedAtMs!));
    return {
      workload: workload.id,
      variant: variant.id,
      round,
      ok: failed === undefined,
      ...(failed !== undefined && !failed.ok ? { error: failed.error } : {}),
      makespanMs,
      succeeded,
      incomplete: setup.predicted.length - succeeded,
      emulator: truth,
      children,
    };
  } finally {
    await barrier?.close();
    await emulator.close();
  }
}

/** A one-process run in the makespan benchmark's shape, for its bound. */
function asMakespanRun(run: SharedQuotaRun): MakespanRun {
  const child = run.children[0];
  return {
    workload: run.workload,
    contender: "sluice",
    round: run.round,
    ok: run.ok,
    ...(child === undefined ? {} : { result: child }),
    emulator: run.emulator,
  };
}

function fromEnvironment(name: string): string[] | undefined {
  const list = process.env[name];
  return list === undefined || list.trim() === "" ? undefined : list.split(",").map((id) => id.trim());
}
