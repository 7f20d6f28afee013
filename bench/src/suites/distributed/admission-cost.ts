import { runInChild } from "../../harness/child.js";
import { fixed, integer } from "../../harness/format.js";
import { inRounds } from "../../harness/rounds.js";
import { type Summary, summarize } from "../../harness/stats.js";
import type { AdmissionSample } from "../admission/case.js";
import type { RedisAdmissionCase } from "./admission-redis.js";
import type { DistributedContext, DistributedSection, SectionResult } from "./sections.js";

const CONCURRENCY = 64;
const TARGET_US = 50;

interface Variant {
  readonly id: string;
  readonly label: string;
  /** undefined: the in-memory store (the admission benchmark's throttle-limits contender). */
  readonly leaseShare?: number;
}

const VARIANTS: readonly Variant[] = [
  { id: "memory", label: "MemoryStore (in-process)" },
  { id: "redis-100", label: "RedisThrottleStore, lease of 100 jobs", leaseShare: 0.05 },
  { id: "redis-10", label: "RedisThrottleStore, lease of 10 jobs", leaseShare: 0.005 },
];

export interface AdmissionCostRun {
  readonly variant: string;
  readonly round: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly usPerJob?: number;
}

/** µs per job of admission through the Redis store (no-op jobs, limits never binding) vs in memory. */
export const admissionCostSection: DistributedSection = {
  id: "admission-cost",
  async run(context: DistributedContext): Promise<SectionResult> {
    const jobs = context.smoke ? 2_000 : 100_000;
    const burst = 2_000;
    const runs: AdmissionCostRun[] = [];
    await inRounds(VARIANTS, context.rounds, async (variant, round) => {
      const test: RedisAdmissionCase = {
        jobs,
        warmup: Math.min(5_000, jobs),
        concurrency: CONCURRENCY,
        withLimits: true,
        url: context.redisUrl,
        quota: `bench-admission-${variant.id}-${round}-${Date.now()}`,
        leaseShare: variant.leaseShare ?? 0,
        burst,
      };
      const outcome = await runInChild<AdmissionSample>({
        module:
          variant.leaseShare === undefined
            ? "suites/admission/throttle"
            : "suites/distributed/admission-redis",
        params: test,
        timeoutMs: 120_000,
      });
      const ok = outcome.ok && outcome.data.completed === jobs;
      const run: AdmissionCostRun = outcome.ok
        ? { variant: variant.id, round, ok, usPerJob: (outcome.data.wallMs * 1_000) / jobs }
        : { variant: variant.id, round, ok: false, error: outcome.error };
      runs.push(run);
      context.log(
        `distributed admission ${variant.id} round ${round}: ${ok ? `${fixed(run.usPerJob!, 2)} µs/job` : `FAILED ${run.error}`}`,
      );
    });
    const summaries = VARIANTS.map((variant) => ({
      variant: variant.id,
      usPerJob: summarize(
        runs.filter((run) => run.variant === variant.id && run.ok).map((run) => run.usPerJob!),
      ),
    }));
    const cell = (summary: Summary) =>
      `${fixed(summary.median, 2)} (${fixed(summary.min, 2)}–${fixed(summary.max, 2)})`;
    return {
      tables: [
        {
          title: "Admission cost of the Redis store, µs per job (amortised by leases)",
          header: ["store", "µs/job, median (min–max)", "failed runs"],
          numeric: [1, 2],
          rows: VARIANTS.map((variant, index) => [
            variant.label,
            cell(summaries[index]!.usPerJob),
            integer(runs.filter((run) => run.variant === variant.id && !run.ok).length),
          ]),
          notes: [
            `${integer(jobs)} no-op jobs submitted at once, concurrency ${CONCURRENCY}, RPM/ITPM/OTPM buckets never binding, a cost per job; ${context.rounds} rounds, one fresh process per run.`,
            `A lease is leaseShare × burst (burst ${integer(burst)} requests): the store goes to Redis about once per lease, in the background. Target ≤ ${TARGET_US} µs per job.`,
          ],
        },
      ],
      settings: { jobs, concurrency: CONCURRENCY, burst, variants: VARIANTS },
      results: { runs, summaries },
    };
  },
};
