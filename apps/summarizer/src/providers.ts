import {
  type ChatModel,
  createOfflineModel,
  OFFLINE_MODEL_ID,
  type Usage,
  usageCost,
  withLimiter,
} from "@sluice/llm";
import type { Emulator, EmulatorOptions } from "@sluice/llm-emulator";
import { createOpenAICompatibleModel, DEFAULT_OPENAI_MODEL, OPENAI_BASE_URL } from "@sluice/llm-openai";
import { Throttle, type ThrottleOptions } from "@sluice/throttle";
import { BatchQueue } from "./batch.js";
import type { RateLimits } from "./bound.js";
import { RunControl } from "./nodes/run-control.js";
import type { ProviderName, SummarizerOptions } from "./options.js";
import { instrumentModel, type RunStats } from "./stats.js";

/**
 * What `--provider emulator` starts: limits like a new Anthropic account's first tier, latency like a
 * real model, and a few overloads and dropped connections, all in provider time (a provider minute
 * lasts 60 / --time-scale real seconds). Enough to watch throttling, 529s and retries without a key.
 */
export const EMULATOR_SETTINGS = {
  limits: {
    requestsPerMinute: 50,
    inputTokensPerMinute: 30_000,
    outputTokensPerMinute: 8_000,
    maxConcurrency: 6,
  },
  latency: { firstTokenMs: 800, perOutputTokenMs: 20, jitter: 0.3 },
  faults: { overloadedRate: 0.05, connectionResetRate: 0.02 },
  /** One provider minute per batch. */
  batchProcessingMs: 60_000,
} as const satisfies EmulatorOptions;

/** The key sent to the in-process emulator; it accepts any key. */
const EMULATOR_KEY = "sluice-emulator";

/** The model a run will use, known before the provider is opened (for prices and the plan). */
export function modelIdFor(options: Pick<SummarizerOptions, "provider" | "model">): string {
  if (options.provider === "local") return OFFLINE_MODEL_ID;
  if (options.provider === "openai") return options.model ?? DEFAULT_OPENAI_MODEL;
  return options.model ?? ANTHROPIC_DEFAULT_MODEL;
}

/** @sluice/llm-anthropic's default model, repeated so that a local run need not load the SDK. */
export const ANTHROPIC_DEFAULT_MODEL = "claude-sonnet-5-5";

/** A provider opened for one run: the model the nodes call, the limiter in front of it, and costs. */
export interface ProviderSession {
  readonly name: ProviderName;
  /** What the nodes call: behind the throttle (or the batch queue), instrumented. */
  readonly model: ChatModel;
  readonly modelId: string;
  /** Where requests go, for the report ("offline" for the local model). */
  readonly endpoint: string;
  readonly throttle: Throttle | undefined;
  readonly emulator: Emulator | undefined;
  readonly batchQueue: BatchQueue | undefined;
  /** The limits in force now: configured, or learned from the provider's headers so far. */
  limits(): RateLimits;
  /** Dollar cost of a call's usage; null for a model without a known price. */
  price(usage: Usage, model: string): number | null;
  close(): Promise<void>;
}

/**
 * Opens the provider a run asked for. One Throttle per run admits every attempt (concurrency,
 * requests, input and output tokens per minute; limits not given are learned from the rate-limit
 * headers), and `withLimiter` costs each call, reconciles it with the real usage and feeds headers
 * and errors back to the throttle.
 *
 * @example
 * const session = await openProvider(options, stats, new RunControl());
 * try { … chat(request, { model: session.model }) … } finally { await session.close(); }
 */
export async function openProvider(
  options: SummarizerOptions,
  stats: RunStats,
  control: RunControl = new RunControl(),
  // A pool worker passes its own (distributed/worker-throttle.ts), where a shared quota plugs in.
  makeThrottle: (options: ThrottleOptions) => Throttle = (throttleOptions) => new Throttle(throttleOptions),
): Promise<ProviderSession> {
  const price = (usage: Usage, model: string) =>
    usageCost(usage, model, { batch: options.batch })?.usd ?? null;

  if (options.provider === "local") {
    const throttle = makeThrottle({ concurrency: options.concurrency });
    return session({
      name: "local",
      model: withLimiter(
        control.guard(instrumentModel(createOfflineModel(), stats), LOCAL_ENDPOINT),
        throttle,
      ),
      modelId: OFFLINE_MODEL_ID,
      endpoint: LOCAL_ENDPOINT,
      throttle,
      emulator: undefined,
      batchQueue: undefined,
      minuteSeconds: 60,
      price,
      close: () => throttle.close(),
    });
  }

  if (options.provider === "openai") {
    // Limits not given are learned from the server's x-ratelimit-* headers; a local server sends
    // none, and the throttle then lives on its concurrency cap and backs off on 503s.
    const throttle = makeThrottle({
      concurrency: options.concurrency,
      ...limitOption("requestsPerMinute", options.requestsPerMinute),
      ...limitOption("inputTokensPerMinute", options.inputTokensPerMinute),
      ...limitOption("outputTokensPerMinute", options.outputTokensPerMinute),
    });
    const raw = createOpenAICompatibleModel({
      ...(options.baseUrl === undefined ? {} : { baseURL: options.baseUrl }),
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      model: modelIdFor(options),
    });
    const endpoint = endpointFor(options);
    return session({
      name: "openai",
      model: withLimiter(control.guard(instrumentModel(raw, stats), endpoint), throttle),
      modelId: raw.modelId,
      endpoint,
      throttle,
      emulator: undefined,
      batchQueue: undefined,
      minuteSeconds: 60,
      price,
      close: () => throttle.close(),
    });
  }

  const { createAnthropicModel, createMessageBatches } = await anthropicAdapter();
  let emulator: Emulator | undefined;
  let baseUrl = options.baseUrl;
  let apiKey = options.apiKey;
  const minuteSeconds = options.provider === "emulator" ? 60 / options.timeScale : 60;
  if (options.provider === "emulator") {
    const { startEmulator } = await import("@sluice/llm-emulator");
    emulator = await startEmulator({ ...EMULATOR_SETTINGS, timeScale: options.timeScale, seed: 7 });
    baseUrl = emulator.url;
    apiKey = EMULATOR_KEY;
  }
  const modelId = modelIdFor(options);
  const closeEmulator = async () => {
    await emulator?.close();
  };

  if (options.batch) {
    const queue = new BatchQueue({
      batches: createMessageBatches({
        apiKey,
        ...(baseUrl === undefined ? {} : { baseURL: baseUrl }),
        model: modelId,
        ...(emulator === undefined ? {} : { poll: { initialMs: 200, maxMs: 2_000, multiplier: 1.5 } }),
      }),
      modelId,
      stateDir: options.outDir,
      stats,
    });
    return session({
      name: options.provider,
      model: queue.model,
      modelId,
      endpoint: endpointOf(baseUrl, emulator, options.timeScale),
      throttle: undefined,
      emulator,
      batchQueue: queue,
      minuteSeconds,
      price,
      close: async () => {
        queue.close();
        await closeEmulator();
      },
    });
  }

  const scale = (perMinute: number | undefined) =>
    perMinute === undefined ? undefined : Math.round(perMinute * (60 / minuteSeconds));
  const configured: ThrottleOptions = {
    concurrency: options.concurrency,
    ...limitOption(
      "requestsPerMinute",
      scale(options.requestsPerMinute ?? emulatorLimit(emulator, "requestsPerMinute")),
    ),
    ...limitOption(
      "inputTokensPerMinute",
      scale(options.inputTokensPerMinute ?? emulatorLimit(emulator, "inputTokensPerMinute")),
    ),
    ...limitOption(
      "outputTokensPerMinute",
      scale(options.outputTokensPerMinute ?? emulatorLimit(emulator, "outputTokensPerMinute")),
    ),
    // The emulator's headers state limits per provider minute, which its time scale shortens: the
    // throttle is told the real-time limits above instead of learning the unscaled ones.
    learnLimits: emulator === undefined,
  };
  const throttle = makeThrottle(configured);
  const raw = createAnthropicModel({
    apiKey,
    ...(baseUrl === undefined ? {} : { baseURL: baseUrl }),
    model: modelId,
  });
  const endpoint = endpointOf(baseUrl, emulator, options.timeScale);
  return session({
    name: options.provider,
    model: withLimiter(control.guard(instrumentModel(raw, stats), endpoint), throttle),
    modelId,
    endpoint,
    throttle,
    emulator,
    batchQueue: undefined,
    minuteSeconds,
    price,
    close: async () => {
      await throttle.close();
      await closeEmulator();
    },
  });
}

const LOCAL_ENDPOINT = "offline (in-process extractive summarizer, not an LLM)";

/** Where a run's requests go, as the report names it, known before the provider is opened. */
export function endpointFor(options: Pick<SummarizerOptions, "provider" | "baseUrl">): string {
  if (options.provider === "local") return LOCAL_ENDPOINT;
  if (options.provider === "emulator") return "an in-process emulator";
  if (options.provider === "openai") return options.baseUrl ?? OPENAI_BASE_URL;
  return options.baseUrl ?? "https://api.anthropic.com";
}

function endpointOf(baseUrl: string | undefined, emulator: Emulator | undefined, timeScale: number): string {
  if (emulator !== undefined) return `${emulator.url} (in-process emulator, time scale ${timeScale}×)`;
  return baseUrl ?? "https://api.anthropic.com";
}

interface SessionParts extends Omit<ProviderSession, "limits"> {
  /** Real seconds in one provider minute: 60, or 60 / k under the emulator's time scale k. */
  readonly minuteSeconds: number;
}

function session(parts: SessionParts): ProviderSession {
  const { minuteSeconds, ...rest } = parts;
  return {
    ...rest,
    limits(): RateLimits {
      const throttle = parts.throttle;
      if (throttle === undefined) return { concurrency: Number.POSITIVE_INFINITY, minuteSeconds };
      const stats = throttle.stats();
      // The throttle counts per real minute; the bound (and its burst of one provider minute's worth)
      // wants the limits per provider minute, which the emulator's time scale shortens.
      const perMinute = (name: string) => {
        const real = stats.buckets[name]?.perMinute;
        return real === undefined ? undefined : (real * minuteSeconds) / 60;
      };
      return {
        concurrency: stats.configuredConcurrency,
        requestsPerMinute: perMinute("requests"),
        inputTokensPerMinute: perMinute("inputTokens"),
        outputTokensPerMinute: perMinute("outputTokens"),
        minuteSeconds,
      };
    },
  };
}

function emulatorLimit(
  emulator: Emulator | undefined,
  name: "requestsPerMinute" | "inputTokensPerMinute" | "outputTokensPerMinute",
): number | undefined {
  return emulator?.options.limits[name];
}

function limitOption<K extends "requestsPerMinute" | "inputTokensPerMinute" | "outputTokensPerMinute">(
  name: K,
  value: number | undefined,
): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [name]: value } as Partial<Record<K, number>>);
}

let anthropicLoading: Promise<typeof import("@sluice/llm-anthropic")> | undefined;

/**
 * The Anthropic adapter (and its SDK), loaded only for a run that needs it: a local run never loads
 * it. `preloadProvider` starts the load while the inputs are planned, so it does not add to the time
 * before the first call; both share one promise.
 */
function anthropicAdapter(): Promise<typeof import("@sluice/llm-anthropic")> {
  anthropicLoading ??= import("@sluice/llm-anthropic");
  return anthropicLoading;
}

/** Starts loading the provider's adapter now, for a run that will call it; errors surface where it is used. */
export function preloadProvider(options: Pick<SummarizerOptions, "provider" | "dryRun" | "redis">): void {
  if (options.dryRun || options.redis !== undefined) return;
  if (options.provider === "anthropic" || options.provider === "emulator") anthropicAdapter().catch(() => {});
}
