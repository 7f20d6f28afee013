import { usageCost } from "@sluice/llm";
import { assumedLatencyMs, type RateLimits } from "./bound.js";
import { EXIT } from "./exit-codes.js";
import type { SummarizerOptions } from "./options.js";
import { type DryRun, describeDryRun, type Plan } from "./plan.js";
import { EMULATOR_SETTINGS } from "./providers.js";
import { formatDryRun } from "./report.js";

/** What --dry-run prints and returns. */
export interface DryRunResult {
  readonly exitCode: number;
  readonly dryRun: DryRun;
}

/** --dry-run: the plan, its tokens and cost, and the fastest possible time; nothing is sent. */
export function printDryRun(
  options: SummarizerOptions,
  plan: Plan,
  modelId: string,
  io: { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream },
): DryRunResult {
  const price = (inputTokens: number, outputTokens: number) =>
    usageCost({ inputTokens, outputTokens, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, modelId, {
      batch: options.batch,
    })?.usd ?? null;
  let limits: RateLimits | undefined;
  let latencyMs = assumedLatencyMs;
  let assumptions: string;
  if (options.provider === "local") {
    assumptions = "the local model has no rate limits";
  } else if (options.batch) {
    assumptions =
      "Message Batches have no per-minute limits; most batches end within an hour, all within 24 h";
  } else if (options.provider === "emulator") {
    const k = options.timeScale;
    const emulated = EMULATOR_SETTINGS.limits;
    limits = {
      concurrency: options.concurrency,
      requestsPerMinute: options.requestsPerMinute ?? emulated.requestsPerMinute,
      inputTokensPerMinute: options.inputTokensPerMinute ?? emulated.inputTokensPerMinute,
      outputTokensPerMinute: options.outputTokensPerMinute ?? emulated.outputTokensPerMinute,
      minuteSeconds: 60 / k,
    };
    const { firstTokenMs, perOutputTokenMs } = EMULATOR_SETTINGS.latency;
    latencyMs = (outputTokens) => (firstTokenMs + perOutputTokenMs * outputTokens) / k;
    assumptions = `emulator limits ${describeLimits(limits)} per provider minute of ${(60 / k).toFixed(1)} s, ${FULL_BUCKETS}, concurrency ${options.concurrency}, its latency`;
  } else {
    limits = {
      concurrency: options.concurrency,
      requestsPerMinute: options.requestsPerMinute,
      inputTokensPerMinute: options.inputTokensPerMinute,
      outputTokensPerMinute: options.outputTokensPerMinute,
    };
    const known = describeLimits(limits);
    assumptions =
      `concurrency ${options.concurrency}, ${known === "" ? "rate limits unknown until the first response (pass --rpm/--itpm/--otpm to include them)" : `${known}, ${FULL_BUCKETS}`}, ` +
      "0.5 s + 15 ms per output token per call";
  }
  const report = describeDryRun(plan, {
    maxTokens: options.maxTokens,
    limits,
    latencyMs,
    assumptions,
    price,
  });
  const header = `Dry run: ${modelId} via ${options.provider}${options.batch ? " (Message Batches, half price)" : ""}, max ${options.maxTokens} output tokens per call, chunks of up to ${options.chunkTokens.toLocaleString("en-US")} tokens`;
  if (options.json) {
    io.stderr.write(formatDryRun(report, header));
    io.stdout.write(
      `${JSON.stringify({ dryRun: true, model: modelId, provider: options.provider, ...report }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(formatDryRun(report, header));
  }
  const exitCode = report.totals.summarize + report.totals.resume === 0 ? EXIT.nothingReadable : EXIT.ok;
  return { exitCode, dryRun: report };
}

/** What the bound assumes of the provider's buckets (see bound.ts): the most a per-minute limit allows. */
const FULL_BUCKETS = "a minute's worth admitted at once at the start";

export function describeLimits(limits: RateLimits): string {
  const parts: string[] = [];
  if (limits.requestsPerMinute !== undefined)
    parts.push(`${limits.requestsPerMinute.toLocaleString("en-US")} RPM`);
  if (limits.inputTokensPerMinute !== undefined)
    parts.push(`${limits.inputTokensPerMinute.toLocaleString("en-US")} ITPM`);
  if (limits.outputTokensPerMinute !== undefined)
    parts.push(`${limits.outputTokensPerMinute.toLocaleString("en-US")} OTPM`);
  return parts.join(", ");
}
