import { runInChild } from "../harness/child.js";
import { fixed, integer, times } from "../harness/format.js";
import { type Benchmark, measureBenchmark, type RunOptions } from "../harness/report.js";
import { inRounds } from "../harness/rounds.js";
import { ratio, type Summary, summarize } from "../harness/stats.js";
import type { Table } from "../harness/table.js";
import type { AdmissionCase, AdmissionSample } from "./admission/case.js";

interface Contender {
  readonly id: string;
  readonly label: string;
  readonly configuration: string;
  readonly module: string;
  readonly withLimits?: boolean;
  /** Bottleneck starts at most a few hundred jobs a second; it gets fewer jobs so a run stays short. */
  readonly slow?: boolean;
}

export interface AdmissionRun {
  readonly contender: string;
  readonly round: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly jobs?: number;
  readonly wallMs?: number;
  readonly usPerJob?: number;
}

export interface AdmissionSummary {
  readonly contender: string;
  readonly jobs: number;
  readonly usPerJob: Summary;
  /** Median µs per job above the no-limiter baseline. */
  readonly overheadUs: number;
  readonly vsPLimit: number;
  readonly failures: number;
}

const CONCURRENCY = 64;
const TARGET_US = 5;

const CONTENDERS: readonly Contender[] = [
  { id: "none", label: "no limiter", configuration: "Promise.all", module: "suites/admission/baseline" },
  {
    id: "throttle",
    label: "@sluice/throttle",
    configuration: `concurrency ${CONCURRENCY}`,
    module: "suites/admission/throttle",
  },
  {
    id: "throttle-limits",
    label: "@sluice/throttle",
    configuration: `concurrency ${CONCURRENCY} + RPM/ITPM/OTPM buckets + a cost per job`,
    module: "suites/admission/throttle",
    withLimits: true,
  },
  {
    id: "p-limit",
    label: "p-limit 7",
    configuration: `pLimit(${CONCURRENCY})`,
    module: "suites/admission/p-limit",
  },
  {
    id: "p-queue",
    label: "p-queue 9",
    configuration: `new PQueue({ concurrency: ${CONCURRENCY} })`,
    module: "suites/admission/p-queue",
  },
  {
    id: "bottleneck",
    label: "bottleneck 2",
    configuration: `new Bottleneck({ maxConcurrent: ${CONCURRENCY} })`,
    module: "suites/admission/bottleneck",
    slow: true,
  },
];

export const admissionBenchmark: Benchmark = {
  name: "admission",
  title: "Throttle: admission overhead per job",
  description:
    "100,000 no-op jobs through @sluice/throttle vs p-limit, p-queue and bottleneck with the same concurrency cap: µs per job.",
  run: (options) => runAdmission(options),
};

async function runAdmission(options: RunOptions) {
  const rounds = options.rounds ?? (options.smoke ? 1 : 3);
  return measureBenchmark(admissionBenchmark, options, rounds, async () => {
    const jobs = options.smoke ? 2_000 : 100_000;
    const slowJobs = options.smoke ? 100 : 1_000;
    const runs: AdmissionRun[] = [];
    await inRounds(CONTENDERS, rounds, async (contender, round) => {
      const count = contender.slow ? slowJobs : jobs;
      const test: AdmissionCase = {
        jobs: count,
        warmup: Math.max(10, Math.round(count / 10)),
        concurrency: CONCURRENCY,
        ...(contender.withLimits ? { withLimits: true } : {}),
      };
      const outcome = await runInChild<AdmissionSample>({
        module: contender.module,
        params: test,
        timeoutMs: options.smoke ? 60_000 : 120_000,
      });
      const run: AdmissionRun = outcome.ok
        ? {
            contender: contender.id,
            round,
            ok: outcome.data.completed === count,
            jobs: count,
            wallMs: outcome.data.wallMs,
            usPerJob: (outcome.data.wallMs * 1000) / count,
          }
        : { contender: contender.id, round, ok: false, error: outcome.error };
      runs.push(run);
      options.log(
        `admission ${contender.id} round ${round}: ${run.ok ? `${fixed(run.usPerJob!, 2)} µs/job` : `FAILED ${run.error}`}`,
      );
    });
    const summaries = summarizeAdmission(runs, jobs, slowJobs);
    return {
      tables: [admissionTable(summaries, rounds)],
      settings: { jobs, slowJobs, concurrency: CONCURRENCY, targetUs: TARGET_US, contenders: CONTENDERS },
      results: { runs, summaries },
    };
  });
}

function summarizeAdmission(
  runs: readonly AdmissionRun[],
  jobs: number,
  slowJobs: number,
): AdmissionSummary[] {
  const perJob = (id: string) =>
    summarize(runs.filter((run) => run.contender === id && run.ok).map((run) => run.usPerJob!));
  const baseline = perJob("none").median;
  const pLimit = perJob("p-limit").median;
  return CONTENDERS.map((contender) => {
    const usPerJob = perJob(contender.id);
    return {
      contender: contender.id,
      jobs: contender.slow ? slowJobs : jobs,
      usPerJob,
      overheadUs: usPerJob.median - baseline,
      vsPLimit: ratio(usPerJob.median, pLimit),
      failures: runs.filter((run) => run.contender === contender.id && !run.ok).length,
    };
  });
}

function admissionTable(summaries: readonly AdmissionSummary[], rounds: number): Table {
  return {
    title: "Throttle: admission overhead, no-op jobs (medians)",
    header: ["limiter", "configuration", "jobs", "µs/job", "min–max", "above no limiter", "vs p-limit"],
    numeric: [2, 3, 4, 5, 6],
    rows: summaries.map((summary) => {
      const contender = CONTENDERS.find((candidate) => candidate.id === summary.contender)!;
      return [
        contender.label,
        contender.configuration,
        integer(summary.jobs),
        summary.usPerJob.count === 0 ? `failed (${summary.failures})` : fixed(summary.usPerJob.median, 2),
        `${fixed(summary.usPerJob.min, 2)}–${fixed(summary.usPerJob.max, 2)}`,
        contender.id === "none" ? "—" : fixed(summary.overheadUs, 2),
        times(summary.vsPLimit),
      ];
    }),
    notes: [
      `Every job is submitted at once and the run waits for all; wall time ÷ jobs. Median of ${rounds} round(s), one fresh process per run, a warm-up of a tenth of the jobs first.`,
      `Target for @sluice/throttle: ≤ ${TARGET_US} µs per job.`,
      "bottleneck runs fewer jobs: it starts jobs through chained timers, at most a few hundred per second, so 100,000 would take minutes; its per-job figure is what it is at any count.",
    ],
  };
}
