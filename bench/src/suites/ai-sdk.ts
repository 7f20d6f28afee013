import { startEmulator } from "@sluice/llm-emulator";
import { latencyTerms, lowerBound, predictRequests } from "../bound.js";
import type { CompetitorResult } from "../competitors/common.js";
import { runInChild } from "../harness/child.js";
import { fixed, integer, percent, seconds } from "../harness/format.js";
import { type Benchmark, measureBenchmark, type RunOptions } from "../harness/report.js";
import { inRounds } from "../harness/rounds.js";
import { ratio, type Summary, summarize } from "../harness/stats.js";
import type { Table } from "../harness/table.js";
import {
  type DocumentSpec,
  type MakespanScale,
  type MinuteLimits,
  makeDocuments,
  promptFor,
} from "../workloads.js";
import type { AiSdkClient, AiSdkParams } from "./ai-sdk/client.js";

interface Contender {
  readonly id: AiSdkClient | "sluice-adapter";
  readonly label: string;
  readonly configuration: string;
  /** The child module; default the AI SDK client. */
  readonly module?: string;
}

const CONTENDERS: readonly Contender[] = [
  {
    id: "plain",
    label: "generateText",
    configuration: "all at once; AI SDK retries (maxRetries 2, honours retry-after)",
  },
  {
    id: "middleware-headers",
    label: "generateText + sluiceMiddleware",
    configuration: "Throttle: concurrency 16, limits from headers, burst 60 s, 4 attempts; maxRetries 0",
  },
  {
    id: "middleware-told",
    label: "generateText + sluiceMiddleware (limits told)",
    configuration: "as above, with RPM/ITPM/OTPM given",
  },
  {
    // The same throttle without the AI SDK: what the middleware costs, if anything.
    id: "sluice-adapter",
    label: "Sluice's Anthropic adapter (no AI SDK)",
    configuration: "the same Throttle, limits given; withLimiter + @sluice/llm-anthropic",
    module: "competitors/sluice",
  },
];

export interface AiSdkRun {
  readonly contender: Contender["id"];
  readonly round: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly result?: CompetitorResult;
  readonly emulator: {
    requests: number;
    rateLimited: number;
    inputTokens: number;
    outputTokens: number;
    admitted: number;
  };
}

interface AiSdkSummary {
  readonly contender: Contender["id"];
  readonly makespanMs: Summary;
  readonly ofBound: number;
  readonly rateLimited: Summary;
  readonly attemptsPerRequest: Summary;
  readonly incomplete: Summary;
}

const API_KEY = "sluice-bench-key";

/** An OTPM-bound batch: the limit AI SDK users hit first (vercel/ai #2637). */
function workload(smoke: boolean) {
  const count = smoke ? 30 : 120;
  const documents: DocumentSpec = { count, minTokens: 200, maxTokens: 800, seed: 21 };
  const scale: MakespanScale = {
    timeScale: smoke ? 600 : 120,
    latency: { firstTokenMs: 1_000, perOutputTokenMs: 10, jitter: 0.2 },
    concurrency: 16,
    seed: 1,
    model: "claude-haiku-4-5",
  };
  const share = count / 120;
  const limits: MinuteLimits = {
    requestsPerMinute: Math.round(200 * share),
    inputTokensPerMinute: Math.round(200_000 * share),
    outputTokensPerMinute: Math.round(3_000 * share),
  };
  return { documents, scale, limits, maxTokens: 512 };
}

export const aiSdkBenchmark: Benchmark = {
  name: "ai-sdk",
  title: "AI SDK: N concurrent generateText calls with and without sluiceMiddleware",
  description:
    "An OTPM-bound batch of generateText calls through @ai-sdk/anthropic to the emulator: makespan vs the lower bound, 429s, attempts per request.",
  run: (options) => runAiSdk(options),
};

async function runAiSdk(options: RunOptions) {
  const rounds = options.rounds ?? (options.smoke ? 1 : 3);
  return measureBenchmark(aiSdkBenchmark, options, rounds, async () => {
    const { documents, scale, limits, maxTokens } = workload(options.smoke);
    const deadlineMs = options.smoke ? 15_000 : 60_000;
    const minuteMs = 60_000 / scale.timeScale;
    const runs: AiSdkRun[] = [];
    await inRounds(CONTENDERS, rounds, async (contender, round) => {
      const emulator = await startEmulator({
        limits: { ...limits },
        timeScale: scale.timeScale,
        latency: { ...scale.latency },
        seed: scale.seed,
      });
      try {
        const params: AiSdkParams = {
          client: contender.id === "sluice-adapter" ? "middleware-told" : contender.id,
          url: emulator.url,
          apiKey: API_KEY,
          model: scale.model,
          documents,
          maxTokens,
          timeScale: scale.timeScale,
          minuteMs,
          concurrency: scale.concurrency,
          told: limits,
          requestsPerMinute: undefined,
          // The emulator's buckets hold a minute's worth, as Anthropic's do; the makespan
          // benchmark's Sluice contender is configured the same way.
          burstSeconds: 60,
          deadlineMs,
        };
        const outcome = await runInChild<CompetitorResult>({
          module: contender.module ?? "suites/ai-sdk/client",
          params,
          timeoutMs: deadlineMs + 20_000,
        });
        const stats = emulator.stats();
        const truth = {
          requests: stats.requests,
          rateLimited: stats.rateLimited,
          inputTokens: stats.inputTokens,
          outputTokens: stats.outputTokens,
          admitted: stats.admitted,
        };
        const run: AiSdkRun = outcome.ok
          ? { contender: contender.id, round, ok: true, result: outcome.data, emulator: truth }
          : { contender: contender.id, round, ok: false, error: outcome.error, emulator: truth };
        runs.push(run);
        options.log(
          `ai-sdk ${contender.id} round ${round}: ${
            run.result
              ? `${seconds(run.result.makespanMs)}, ${run.result.succeeded} ok, ${run.result.failed} failed, ${run.result.unfinished} unfinished, ${truth.rateLimited} 429s`
              : `FAILED ${run.error}`
          }`,
        );
      } finally {
        await emulator.close();
      }
    });

    const prompts = makeDocuments(documents).map(promptFor);
    const predicted = predictRequests(prompts, maxTokens, scale.seed);
    const complete = runs.find(
      (run) => run.result?.succeeded === prompts.length && run.emulator.admitted === prompts.length,
    );
    const bound = lowerBound({
      requests: prompts.length,
      inputTokens: complete?.emulator.inputTokens ?? predicted.reduce((sum, r) => sum + r.inputTokens, 0),
      outputTokens: complete?.emulator.outputTokens ?? predicted.reduce((sum, r) => sum + r.outputTokens, 0),
      ...latencyTerms(
        predicted.map((request) => request.outputTokens),
        scale,
      ),
      concurrency: scale.concurrency,
      limits,
      minuteMs,
    });
    const summaries = CONTENDERS.map((contender): AiSdkSummary => {
      const mine = runs.filter((run) => run.contender === contender.id);
      const ok = mine.filter((run) => run.result !== undefined);
      const incomplete = ok.map((run) => run.result!.failed + run.result!.unfinished);
      const makespanMs = summarize(ok.map((run) => run.result!.makespanMs));
      const allComplete = ok.length === mine.length && incomplete.every((count) => count === 0);
      return {
        contender: contender.id,
        makespanMs,
        ofBound: allComplete ? ratio(bound.ms, makespanMs.median) : Number.NaN,
        rateLimited: summarize(mine.map((run) => run.emulator.rateLimited)),
        attemptsPerRequest: summarize(mine.map((run) => run.emulator.requests / prompts.length)),
        incomplete: summarize(incomplete),
      };
    });
    const table: Table = {
      title: `AI SDK: ${prompts.length} concurrent generateText calls, OTPM-bound`,
      header: ["client", "configuration", "makespan", "% of bound", "429s", "attempts/request", "failed"],
      numeric: [2, 3, 4, 5, 6],
      rows: summaries.map((summary) => {
        const contender = CONTENDERS.find((candidate) => candidate.id === summary.contender)!;
        return [
          contender.label,
          contender.configuration,
          summary.makespanMs.count === 0 ? "failed" : seconds(summary.makespanMs.median),
          Number.isFinite(summary.ofBound) ? percent(summary.ofBound) : "—",
          integer(summary.rateLimited.median),
          fixed(summary.attemptsPerRequest.median, 2),
          integer(summary.incomplete.median),
        ];
      }),
      notes: [
        `Limits RPM ${integer(limits.requestsPerMinute)} / ITPM ${integer(limits.inputTokensPerMinute)} / OTPM ${integer(limits.outputTokensPerMinute)} per provider minute; time scale ${scale.timeScale} (a provider minute lasts ${fixed(60 / scale.timeScale, 2)} s); prompts of ${documents.minTokens}–${documents.maxTokens} tokens, maxOutputTokens ${maxTokens}.`,
        `Lower bound ${seconds(bound.ms)} (limited by ${bound.limitedBy}), from the emulator's token counts; % of bound = bound ÷ makespan (higher is better; — when requests failed).`,
        `Median of ${rounds} round(s); a fresh emulator and a fresh client process per run; requests still failing after the client's retries, or unfinished at the ${seconds(deadlineMs, 0)} deadline, count as failed.`,
        "The plain AI SDK backs off in real time (from 2 s, or retry-after), which compressed time cannot shorten; the throttle runs in provider time, as in the makespan benchmark.",
      ],
    };
    return {
      tables: [table],
      settings: { documents, scale, limits, maxTokens, deadlineMs, contenders: CONTENDERS },
      results: { bound, summaries, runs },
    };
  });
}
