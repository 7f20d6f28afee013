import { fixed, integer, percent, seconds } from "../harness/format.js";
import type { Table } from "../harness/table.js";
import { BAD_DAY, type MakespanScale, type MinuteLimits, TOO_HIGH_FACTOR } from "../workloads.js";
import type { MakespanSummary, Setup, WorkloadBound } from "./makespan.js";

/** The makespan benchmark's tables: the workloads and their bounds, the clean results, the faulty ones. */

function describeLimits(limits: MinuteLimits): string {
  return `${integer(limits.requestsPerMinute)} / ${integer(limits.inputTokensPerMinute)} / ${integer(limits.outputTokensPerMinute)}`;
}

export function boundsTable(
  setups: readonly Setup[],
  bounds: readonly WorkloadBound[],
  scale: MakespanScale,
): Table {
  return {
    title: "Makespan: workloads and their lower bounds",
    header: [
      "workload",
      "limits RPM / ITPM / OTPM",
      "told to clients",
      "requests",
      "input tokens",
      "output tokens",
      "lower bound",
      "limited by",
      "FIFO ideal",
      "ideal ÷ bound",
    ],
    numeric: [3, 4, 5, 6, 8, 9],
    rows: setups.map((setup) => {
      const bound = bounds.find((candidate) => candidate.workload === setup.workload.id)!;
      const told =
        setup.workload.knowledge === "headers"
          ? "nothing (headers only)"
          : setup.workload.knowledge === "too-high"
            ? `${describeLimits(setup.told!)} (×${TOO_HIGH_FACTOR})`
            : `the limits${setup.workload.rateLimitHeaders ? "" : "; no headers, no retry-after"}`;
      return [
        setup.workload.title,
        describeLimits(setup.workload.limits),
        told,
        integer(bound.requests),
        integer(bound.inputTokens),
        integer(bound.outputTokens),
        seconds(bound.bound.ms),
        bound.bound.limitedBy,
        seconds(bound.idealMs),
        `${fixed(bound.idealMs / bound.bound.ms, 3)}×`,
      ];
    }),
    notes: [
      `Time scale ${scale.timeScale}: a provider minute lasts ${fixed(60 / scale.timeScale, 2)} real seconds. Limits are per provider minute.`,
      `Latency ${integer(scale.latency.firstTokenMs)} ms to the first token + ${scale.latency.perOutputTokenMs} ms per output token (provider time, ±${scale.latency.jitter * 100}% jitter), divided by the time scale.`,
      "Token counts are the emulator's ground truth from a run that finished every request (they equal the prediction from the emulator's deterministic summaries).",
      "Bound = max(Σ latency ÷ concurrency, (n − B_R)/r_R + L_min, (W_in − B_I)/r_I + L_min, (W_out − B_O)/r_O + L_min), with each bucket B a full minute's worth, as the emulator starts.",
      "FIFO ideal = the makespan of an ideal client (bench/src/fifo-ideal.ts) that reserves max_tokens in arrival order the instant every bucket and a slot allow, learns each refund the instant the server makes it, and has no overhead and the mean latency: the bound leaves out the output that calls in flight hold (max_tokens each while they produce far less), which no client sending these requests as they are can spend.",
    ],
  };
}

export function resultsTable(
  setups: readonly Setup[],
  summaries: readonly MakespanSummary[],
  rounds: number,
  scale: MakespanScale,
  labelOf: (contender: string) => string,
): Table {
  const rows = summaries.map((summary) => {
    const setup = setups.find((candidate) => candidate.workload.id === summary.workload)!;
    const incomplete = summary.incomplete.median;
    return [
      setup.workload.id,
      labelOf(summary.contender),
      summary.configuration,
      summary.makespanMs.count === 0 ? `failed (${summary.runsFailed})` : seconds(summary.makespanMs.median),
      Number.isFinite(summary.ofBound) ? percent(summary.ofBound) : "—",
      Number.isFinite(summary.ofIdeal) ? percent(summary.ofIdeal) : "—",
      integer(summary.rateLimited.median),
      fixed(summary.attemptsPerRequest.median, 2),
      integer(incomplete),
    ];
  });
  return {
    title: "Makespan: results (medians)",
    header: [
      "workload",
      "client",
      "configuration",
      "makespan",
      "% of bound",
      "% of FIFO ideal",
      "429s",
      "attempts/request",
      "failed",
    ],
    numeric: [3, 4, 5, 6, 7, 8],
    rows,
    notes: [
      `Median of ${rounds} round(s); each run is a fresh emulator and a fresh client process; clients alternate within each round.`,
      "% of bound = lower bound ÷ makespan (100% is the fastest possible; higher is better); — when requests failed, since a run that gives up early is not faster. % of FIFO ideal = the ideal client's makespan (first table) ÷ makespan.",
      "429s and attempts come from the emulator's counters (ground truth); failed = requests that still failed after the client's retries, or were unfinished at the deadline.",
      `Concurrency ${scale.concurrency} for every client but Promise.all. p-queue and bottleneck count requests only: they get the request rate the told limits allow for the workload's mean prompt, with output charged at max_tokens as Anthropic does.`,
      "Time-based settings of every limiter are in provider time: p-queue's interval and bottleneck's reservoir interval and heartbeat are divided by the time scale, and the Throttle runs on a clock k times faster (with retry-after and reset headers restated in that time). The SDK's own backoff when no retry-after is given (0.5–8 s) cannot be scaled and stays in real time.",
    ],
  };
}

/** Faulty workloads: makespan against the clean bound and against Sluice's own clean makespan. */
export function faultsTable(
  setups: readonly Setup[],
  summaries: readonly MakespanSummary[],
  rounds: number,
  labelOf: (contender: string) => string,
): Table {
  const rows = summaries.map((summary) => {
    const setup = setups.find((candidate) => candidate.workload.id === summary.workload)!;
    return [
      setup.workload.id,
      labelOf(summary.contender),
      summary.makespanMs.count === 0 ? `failed (${summary.runsFailed})` : seconds(summary.makespanMs.median),
      Number.isFinite(summary.ofBound) ? percent(summary.ofBound) : "—",
      Number.isFinite(summary.ofCleanSluice) ? `${fixed(summary.ofCleanSluice, 2)}×` : "—",
      integer(summary.rateLimited.median),
      fixed(summary.attemptsPerRequest.median, 2),
      integer(summary.incomplete.median),
    ];
  });
  return {
    title: "Makespan with faults: results (medians)",
    header: [
      "workload",
      "client",
      "makespan",
      "% of clean bound",
      "× Sluice clean",
      "429s",
      "attempts/request",
      "failed",
    ],
    numeric: [2, 3, 4, 5, 6, 7],
    rows,
    notes: [
      `Faults injected by the emulator, each request drawn independently: ${percent(BAD_DAY.overloadedRate)} answered 529 overloaded_error (with the rate-limit headers), ${percent(BAD_DAY.connectionResetRate)} connections reset before the answer (nothing charged), ${percent(BAD_DAY.resetAfterAnswerRate)} reset after the server answered (charged in full, answer lost), ${percent(BAD_DAY.streamCutRate)} cut mid-answer (half the output charged).`,
      "% of clean bound = the clean workload's lower bound ÷ makespan; × Sluice clean = makespan ÷ Sluice's median makespan on the clean workload of the same run (target ≤ 1.15×).",
      "attempts/request counts every request the emulator received, faults included; failed = requests lost after the client's retries (target 0).",
      `Median of ${rounds} round(s), as the clean table.`,
    ],
  };
}
