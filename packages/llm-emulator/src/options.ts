import { InvalidOptionError } from "./errors.js";

/** Every fault `failNext` can inject. See the README for what each one looks like on the wire. */
export const FAULT_KINDS = [
  "rate_limit",
  "overloaded",
  "server_error",
  "midstream_overloaded",
  "connection_reset",
  "malformed_json",
  "spend_cap",
  "ramp_limit",
  "authentication",
  "permission",
  "invalid_request",
  "context_length",
  "not_found",
  "slow",
  "insufficient_quota",
  "reset_after_answer",
  "stream_cut",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Per-minute limits of the emulated organisation; a limit left out is not enforced. */
export interface EmulatorLimits {
  /** Requests per minute (RPM); one bucket per API (Anthropic, OpenAI). */
  requestsPerMinute?: number | undefined;
  /** Anthropic input tokens per minute (ITPM), charged at admission. */
  inputTokensPerMinute?: number | undefined;
  /** Anthropic output tokens per minute (OTPM), reserved at `max_tokens`, refunded to the real output. */
  outputTokensPerMinute?: number | undefined;
  /** OpenAI's single tokens bucket (TPM), charged at max(max_tokens, input estimate) up front. */
  tokensPerMinute?: number | undefined;
  /** Requests generating at once; above it Anthropic answers 529 and OpenAI 503. */
  maxConcurrency?: number | undefined;
}

/** Provider-time latency; every value is divided by `timeScale` before the emulator waits. */
export interface EmulatorLatency {
  /** Time to the first output token, in provider ms. Default 0. */
  firstTokenMs?: number | undefined;
  /** Time per further output token, in provider ms. Default 0. */
  perOutputTokenMs?: number | undefined;
  /** Relative jitter in [0, 1]: each request's latency is scaled by a factor in [1 - jitter, 1 + jitter]. */
  jitter?: number | undefined;
}

/** Random fault rates in [0, 1], drawn from the seeded generator in request order. */
export interface EmulatorFaults {
  /** Share of model requests answered 529 overloaded_error (OpenAI: 503) before admission. */
  overloadedRate?: number | undefined;
  /** Share of streaming requests that fail after HTTP 200 with an SSE `overloaded_error`. */
  midStreamErrorRate?: number | undefined;
  /** Share of model requests whose connection is destroyed without a response. */
  connectionResetRate?: number | undefined;
  /** Share of admitted requests answered with a 200 whose body is not valid JSON. */
  malformedRate?: number | undefined;
  /** Share of admitted requests delayed by `slowMs` before the first byte. */
  slowRate?: number | undefined;
  /** The delay of a slow response, in provider ms (divided by `timeScale`). Default 30,000. */
  slowMs?: number | undefined;
  /**
   * Share of model requests admitted and answered in full (input and output charged), whose
   * connection is then reset instead of the response being sent: charged, but lost to the client.
   */
  resetAfterAnswerRate?: number | undefined;
  /** Share of model requests cut mid-answer: half the body or stream is sent, then the connection resets. */
  streamCutRate?: number | undefined;
}

export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default "127.0.0.1". */
  host?: string;
  /** If set, requests whose `x-api-key` / `Authorization: Bearer` is not listed get 401. */
  apiKeys?: readonly string[] | undefined;
  limits?: EmulatorLimits;
  /** Time compression k: a provider minute lasts 60 / k real seconds. Default 1. */
  timeScale?: number;
  latency?: EmulatorLatency;
  faults?: EmulatorFaults;
  /** Send `anthropic-ratelimit-*`, `x-ratelimit-*`, `retry-after` and request-id headers. Default true. */
  rateLimitHeaders?: boolean;
  /** Seed of every random choice (faults, jitter, text tie-breaks, ids, batch result order). Default 1. */
  seed?: number;
  /** How long a message batch takes to process, in provider ms (divided by `timeScale`). Default 0. */
  batchProcessingMs?: number;
  /** When an unfinished batch expires, in provider ms after creation. Default 24 h. */
  batchExpiryMs?: number;
  /** Input tokens above this get 400 `prompt_too_long`. Default 200,000. */
  contextWindowTokens?: number;
  /** Share of the prompt's sentences the extractive summary keeps, in (0, 1]. Default 1/3. */
  summaryRatio?: number;
}

/** The options in force, with every default filled in. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly apiKeys: readonly string[] | undefined;
  readonly limits: Readonly<EmulatorLimits>;
  readonly timeScale: number;
  readonly latency: Readonly<Required<EmulatorLatency>>;
  readonly faults: Readonly<Required<EmulatorFaults>>;
  readonly rateLimitHeaders: boolean;
  readonly seed: number;
  readonly batchProcessingMs: number;
  readonly batchExpiryMs: number;
  readonly contextWindowTokens: number;
  readonly summaryRatio: number;
}

const BASE: ResolvedOptions = {
  port: 0,
  host: "127.0.0.1",
  apiKeys: undefined,
  limits: {},
  timeScale: 1,
  latency: { firstTokenMs: 0, perOutputTokenMs: 0, jitter: 0 },
  faults: {
    overloadedRate: 0,
    midStreamErrorRate: 0,
    connectionResetRate: 0,
    malformedRate: 0,
    slowRate: 0,
    slowMs: 30_000,
    resetAfterAnswerRate: 0,
    streamCutRate: 0,
  },
  rateLimitHeaders: true,
  seed: 1,
  batchProcessingMs: 0,
  batchExpiryMs: 24 * 60 * 60 * 1000,
  contextWindowTokens: 200_000,
  summaryRatio: 1 / 3,
};

/** The defaults merged with `options`, validated. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  return mergeOptions(BASE, options);
}

/**
 * `patch` applied over `base`: nested `limits`, `latency` and `faults` merge key by key, and a key
 * given as `undefined` removes that limit (or restores that default).
 */
export function mergeOptions(base: ResolvedOptions, patch: Partial<EmulatorOptions>): ResolvedOptions {
  if (typeof patch !== "object" || patch === null) {
    throw new InvalidOptionError(`Emulator options must be an object, got ${describe(patch)}.`);
  }
  const limits = mergeNested(base.limits, patch.limits, "limits");
  const latency = { ...BASE.latency, ...mergeNested(base.latency, patch.latency, "latency") };
  const faults = { ...BASE.faults, ...mergeNested(base.faults, patch.faults, "faults") };
  const resolved: ResolvedOptions = {
    port: patch.port ?? base.port,
    host: patch.host ?? base.host,
    apiKeys: "apiKeys" in patch ? patch.apiKeys : base.apiKeys,
    limits,
    timeScale: patch.timeScale ?? base.timeScale,
    latency,
    faults,
    rateLimitHeaders: patch.rateLimitHeaders ?? base.rateLimitHeaders,
    seed: patch.seed ?? base.seed,
    batchProcessingMs: patch.batchProcessingMs ?? base.batchProcessingMs,
    batchExpiryMs: patch.batchExpiryMs ?? base.batchExpiryMs,
    contextWindowTokens: patch.contextWindowTokens ?? base.contextWindowTokens,
    summaryRatio: patch.summaryRatio ?? base.summaryRatio,
  };
  validate(resolved);
  return resolved;
}

function mergeNested<T extends object>(base: T, patch: T | undefined, name: string): T {
  if (patch === undefined) return { ...base };
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new InvalidOptionError(`Option \`${name}\` must be an object, got ${describe(patch)}.`);
  }
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged as T;
}

function validate(options: ResolvedOptions): void {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new InvalidOptionError(
      `Option \`port\` must be an integer from 0 to 65535, got ${describe(options.port)}.`,
    );
  }
  if (typeof options.host !== "string" || options.host === "") {
    throw new InvalidOptionError(
      `Option \`host\` must be a non-empty string, got ${describe(options.host)}.`,
    );
  }
  if (options.apiKeys !== undefined) {
    if (
      !Array.isArray(options.apiKeys) ||
      options.apiKeys.some((key) => typeof key !== "string" || key === "")
    ) {
      throw new InvalidOptionError("Option `apiKeys` must be an array of non-empty strings, or undefined.");
    }
  }
  const known = new Set([
    "requestsPerMinute",
    "inputTokensPerMinute",
    "outputTokensPerMinute",
    "tokensPerMinute",
    "maxConcurrency",
  ]);
  for (const [key, value] of Object.entries(options.limits)) {
    if (!known.has(key)) {
      throw new InvalidOptionError(
        `Unknown limit \`limits.${key}\`; known limits: ${[...known].join(", ")}.`,
      );
    }
    if (value === undefined) continue;
    if (key === "maxConcurrency") {
      if (!Number.isInteger(value) || value < 1) {
        throw new InvalidOptionError(
          `\`limits.maxConcurrency\` must be a positive integer, got ${describe(value)}.`,
        );
      }
    } else {
      positive(`limits.${key}`, value);
    }
  }
  positive("timeScale", options.timeScale);
  nonNegative("latency.firstTokenMs", options.latency.firstTokenMs);
  nonNegative("latency.perOutputTokenMs", options.latency.perOutputTokenMs);
  unitInterval("latency.jitter", options.latency.jitter);
  for (const key of Object.keys(options.latency)) {
    if (!(key in BASE.latency)) throw new InvalidOptionError(`Unknown option \`latency.${key}\`.`);
  }
  for (const [key, value] of Object.entries(options.faults)) {
    if (!(key in BASE.faults)) throw new InvalidOptionError(`Unknown option \`faults.${key}\`.`);
    if (key === "slowMs") nonNegative("faults.slowMs", value);
    else unitInterval(`faults.${key}`, value);
  }
  if (typeof options.rateLimitHeaders !== "boolean") {
    throw new InvalidOptionError(
      `Option \`rateLimitHeaders\` must be a boolean, got ${describe(options.rateLimitHeaders)}.`,
    );
  }
  if (!Number.isInteger(options.seed)) {
    throw new InvalidOptionError(`Option \`seed\` must be an integer, got ${describe(options.seed)}.`);
  }
  nonNegative("batchProcessingMs", options.batchProcessingMs);
  positive("batchExpiryMs", options.batchExpiryMs);
  positive("contextWindowTokens", options.contextWindowTokens);
  if (!(typeof options.summaryRatio === "number" && options.summaryRatio > 0 && options.summaryRatio <= 1)) {
    throw new InvalidOptionError(
      `Option \`summaryRatio\` must be in (0, 1], got ${describe(options.summaryRatio)}.`,
    );
  }
}

function positive(name: string, value: unknown): void {
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    throw new InvalidOptionError(
      `Option \`${name}\` must be a positive finite number, got ${describe(value)}.`,
    );
  }
}

function nonNegative(name: string, value: unknown): void {
  if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
    throw new InvalidOptionError(`Option \`${name}\` must be a finite number >= 0, got ${describe(value)}.`);
  }
}

function unitInterval(name: string, value: unknown): void {
  if (!(typeof value === "number" && value >= 0 && value <= 1)) {
    throw new InvalidOptionError(`Option \`${name}\` must be a number from 0 to 1, got ${describe(value)}.`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}
