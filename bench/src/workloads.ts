import type { EmulatorFaults, EmulatorOptions } from "@sluice/llm-emulator";

/**
 * The inputs of every emulator benchmark: deterministic documents of chosen lengths, and the
 * workloads of the makespan benchmark (which limits bind, what each client is told about them).
 * Parent and children build the same documents from the same spec, so only the spec crosses the
 * process boundary.
 */

/** Documents of uniformly spread lengths, in tokens as the emulator counts them (4 characters each). */
export interface DocumentSpec {
  readonly count: number;
  readonly minTokens: number;
  readonly maxTokens: number;
  readonly seed: number;
}

const SUBJECTS = [
  "The river authority",
  "A small bakery",
  "The night train",
  "Our research team",
  "The harbour master",
  "A retired engineer",
  "The city council",
  "The orchard",
  "A volunteer crew",
  "The old observatory",
  "The school choir",
  "A fishing cooperative",
  "The museum curator",
  "The weather station",
  "A mountain village",
  "The library",
];
const VERBS = [
  "rebuilt",
  "measured",
  "delayed",
  "painted",
  "catalogued",
  "repaired",
  "expanded",
  "inspected",
  "funded",
  "mapped",
  "restored",
  "recorded",
  "shipped",
  "planted",
  "surveyed",
  "questioned",
];
const OBJECTS = [
  "the northern bridge",
  "three hundred loaves",
  "the winter timetable",
  "a rare migratory bird",
  "the flood barriers",
  "every tide gauge",
  "the copper roof",
  "a forgotten manuscript",
  "the apple harvest",
  "the coastal footpath",
  "the telescope mirror",
  "a century of rainfall",
  "the spring concert",
  "the cargo manifests",
  "the water mill",
  "the reading room",
];
const CLAUSES = [
  "after the storm of March",
  "despite a shortage of timber",
  "with help from the neighbours",
  "before the inspectors arrived",
  "while the budget was frozen",
  "for the first time in decades",
  "under a cloudless sky",
  "as the committee had promised",
  "although nobody had asked",
  "to the surprise of the press",
  "during the long holiday weekend",
  "in record time",
];
const ENDINGS = [
  "Costs rose by a third.",
  "Nobody was hurt.",
  "The work took eleven weeks.",
  "Visitors doubled the following year.",
  "The results were published in autumn.",
  "Local papers covered it at length.",
  "A second phase is planned.",
  "The mayor called it a turning point.",
];

/** A small seeded generator (mulberry32): the same seed gives the same documents everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function sentence(random: () => number): string {
  const core = `${pick(random, SUBJECTS)} ${pick(random, VERBS)} ${pick(random, OBJECTS)}`;
  const clause = random() < 0.6 ? ` ${pick(random, CLAUSES)}` : "";
  const ending = random() < 0.35 ? ` ${pick(random, ENDINGS)}` : "";
  return `${core}${clause}.${ending}`;
}

/** One document of about `tokens` tokens (whole sentences, so it may run a few tokens over). */
export function makeDocument(tokens: number, random: () => number): string {
  const targetChars = tokens * 4;
  const parts: string[] = [];
  let length = 0;
  let paragraph = 0;
  while (length < targetChars) {
    const next = sentence(random);
    const separator = parts.length === 0 ? "" : ++paragraph % 6 === 0 ? "\n\n" : " ";
    parts.push(separator, next);
    length += separator.length + next.length;
  }
  return parts.join("");
}

/** The documents of `spec`, lengths uniform in [minTokens, maxTokens]. */
export function makeDocuments(spec: DocumentSpec): string[] {
  const random = seededRandom(spec.seed);
  const documents: string[] = [];
  for (let index = 0; index < spec.count; index++) {
    const tokens = Math.round(spec.minTokens + random() * (spec.maxTokens - spec.minTokens));
    documents.push(makeDocument(tokens, random));
  }
  return documents;
}

/** The one user message each makespan request sends. */
export function promptFor(document: string): string {
  return `Summarize the following report in a few sentences.\n\n${document}`;
}

// --- makespan workloads -------------------------------------------------------------------------

/** Per-minute limits in provider units (a provider minute lasts 60 / timeScale real seconds). */
export interface MinuteLimits {
  readonly requestsPerMinute: number;
  readonly inputTokensPerMinute: number;
  readonly outputTokensPerMinute: number;
}

/**
 * What the clients are told about the limits: the truth ("known"), nothing ("headers": only the
 * response headers can teach them), or numbers 30% too high ("too-high").
 */
export type Knowledge = "known" | "headers" | "too-high";

export interface MakespanWorkload {
  readonly id: string;
  readonly title: string;
  readonly documents: DocumentSpec;
  readonly maxTokens: number;
  readonly limits: MinuteLimits;
  readonly knowledge: Knowledge;
  /** false: the emulator sends no rate-limit headers and no retry-after (cloud resellers, local servers). */
  readonly rateLimitHeaders: boolean;
  /** Faults the emulator injects; a faulty workload is measured against its clean twin `cleanOf`. */
  readonly faults?: EmulatorFaults;
  /** The id of the clean workload this one repeats with faults: its bound is the one that counts. */
  readonly cleanOf?: string;
}

/**
 * A bad day at the provider (issue 12): 10% of requests answered 529, 3% of connections reset before
 * the answer, 3% reset after the server answered (charged but lost), 3% cut mid-answer.
 */
export const BAD_DAY: Readonly<
  Required<
    Pick<EmulatorFaults, "overloadedRate" | "connectionResetRate" | "resetAfterAnswerRate" | "streamCutRate">
  >
> = {
  overloadedRate: 0.1,
  connectionResetRate: 0.03,
  resetAfterAnswerRate: 0.03,
  streamCutRate: 0.03,
};

/** What every makespan run shares: the time compression, the model's latency, the client concurrency. */
export interface MakespanScale {
  /** k: a provider minute lasts 60 / k real seconds. */
  readonly timeScale: number;
  readonly latency: {
    readonly firstTokenMs: number;
    readonly perOutputTokenMs: number;
    readonly jitter: number;
  };
  /** The concurrency cap of every client that has one (all but Promise.all). */
  readonly concurrency: number;
  readonly seed: number;
  readonly model: string;
}

export const TOO_HIGH_FACTOR = 1.3;

/**
 * The workloads. Each is sized to about five provider minutes of work at its binding limit, so the
 * minute's worth a full bucket lets through at the start is a fifth of the job, not all of it; the
 * time scale makes those five minutes last two and a half real seconds.
 */
export function makespanWorkloads(smoke: boolean): { scale: MakespanScale; workloads: MakespanWorkload[] } {
  // Smoke runs (what the tests run) stay small: a loaded 2-core machine must finish all thirty runs
  // well inside the test's timeout.
  const count = smoke ? 20 : 300;
  const scale: MakespanScale = {
    timeScale: timeScaleFromEnvironment() ?? (smoke ? 1_200 : 120),
    latency: { firstTokenMs: 1_000, perOutputTokenMs: 10, jitter: 0.2 },
    concurrency: 16,
    seed: 1,
    model: "claude-haiku-4-5",
  };
  // Smoke runs shrink the limits with the document count, so they still span a few provider minutes.
  const share = smoke ? count / 300 : 1;
  const limits = (requests: number, input: number, output: number): MinuteLimits => ({
    requestsPerMinute: Math.round(requests * share),
    inputTokensPerMinute: Math.round(input * share),
    outputTokensPerMinute: Math.round(output * share),
  });
  const rpm = limits(60, 40_000, 16_000);
  const itpm = limits(200, 180_000, 40_000);
  const otpm = limits(200, 400_000, 36_000);
  const small: DocumentSpec = { count, minTokens: 40, maxTokens: 160, seed: 11 };
  const large: DocumentSpec = { count, minTokens: 1_000, maxTokens: 5_000, seed: 12 };
  const long: DocumentSpec = { count, minTokens: 600, maxTokens: 3_000, seed: 13 };
  const base = { knowledge: "known" as const, rateLimitHeaders: true };
  const faulty = (
    id: string,
    title: string,
    documents: DocumentSpec,
    maxTokens: number,
    bound: MinuteLimits,
  ) => ({
    id: `faults-${id}`,
    title: `${title}, with faults`,
    documents,
    maxTokens,
    limits: bound,
    ...base,
    faults: BAD_DAY,
    cleanOf: id,
  });
  return {
    scale,
    workloads: [
      {
        id: "rpm",
        title: "RPM-bound: small prompts",
        documents: small,
        maxTokens: 128,
        limits: rpm,
        ...base,
      },
      {
        id: "itpm",
        title: "ITPM-bound: large prompts",
        documents: large,
        maxTokens: 256,
        limits: itpm,
        ...base,
      },
      {
        id: "otpm",
        title: "OTPM-bound: long outputs, max_tokens 2,048",
        documents: long,
        maxTokens: 2_048,
        limits: otpm,
        ...base,
      },
      // The faulty twins retry a fifth of their calls: full runs only, so the smoke test stays short.
      ...(smoke
        ? []
        : [
            faulty("rpm", "RPM-bound", small, 128, rpm),
            faulty("itpm", "ITPM-bound", large, 256, itpm),
            faulty("otpm", "OTPM-bound", long, 2_048, otpm),
          ]),
      {
        id: "headers",
        title: "ITPM-bound, limits learned from headers only",
        documents: large,
        maxTokens: 256,
        limits: itpm,
        knowledge: "headers",
        rateLimitHeaders: true,
      },
      {
        id: "too-high",
        title: "ITPM-bound, limits configured 30% too high",
        documents: large,
        maxTokens: 256,
        limits: itpm,
        knowledge: "too-high",
        rateLimitHeaders: true,
      },
      {
        id: "no-headers",
        title: "ITPM-bound, no rate-limit headers at all",
        documents: large,
        maxTokens: 256,
        limits: itpm,
        knowledge: "known",
        rateLimitHeaders: false,
      },
    ],
  };
}

/**
 * `SLUICE_BENCH_TIME_SCALE` overrides the time compression: on a loaded machine a provider minute of
 * half a real second leaves the clients' CPU time, not the limits, as the bottleneck.
 */
function timeScaleFromEnvironment(): number | undefined {
  const value = process.env.SLUICE_BENCH_TIME_SCALE;
  if (value === undefined || value === "") return undefined;
  const scale = Number(value);
  if (!(Number.isFinite(scale) && scale >= 1)) {
    throw new Error(`SLUICE_BENCH_TIME_SCALE must be a number of at least 1 (got "${value}").`);
  }
  return scale;
}

/** The limits a client is configured with under `knowledge`; undefined when it is told nothing. */
export function toldLimits(workload: MakespanWorkload): MinuteLimits | undefined {
  if (workload.knowledge === "headers") return undefined;
  if (workload.knowledge === "known") return workload.limits;
  const scale = (value: number) => Math.round(value * TOO_HIGH_FACTOR);
  return {
    requestsPerMinute: scale(workload.limits.requestsPerMinute),
    inputTokensPerMinute: scale(workload.limits.inputTokensPerMinute),
    outputTokensPerMinute: scale(workload.limits.outputTokensPerMinute),
  };
}

/** The emulator a makespan run talks to. */
export function emulatorOptions(workload: MakespanWorkload, scale: MakespanScale): EmulatorOptions {
  return {
    limits: { ...workload.limits },
    timeScale: scale.timeScale,
    latency: { ...scale.latency },
    seed: scale.seed,
    rateLimitHeaders: workload.rateLimitHeaders,
    ...(workload.faults === undefined ? {} : { faults: { ...workload.faults } }),
  };
}
