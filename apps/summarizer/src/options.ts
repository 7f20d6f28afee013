import path from "node:path";
import { UsageError } from "./errors.js";

export const PROVIDERS = ["local", "anthropic", "emulator", "openai"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** A --budget: dollars, or tokens (input + output). */
export type BudgetLimit =
  | { readonly unit: "usd"; readonly amount: number }
  | { readonly unit: "tokens"; readonly amount: number };

/** Files above this size are skipped with a reason rather than read (they would need many calls). */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_TOKENS = 512;
export const DEFAULT_CHUNK_TOKENS = 6_000;
export const DEFAULT_TIME_SCALE = 10;
export const DEFAULT_OUT_DIR = "summaries";
/** `--demo` writes under out/, which the repository ignores, so a demo run leaves git clean. */
export const DEMO_OUT_DIR = path.join("out", "demo-summaries");

/** The flag values as commander hands them over: strings and booleans, unvalidated. */
export interface RawFlags {
  readonly out?: string;
  readonly provider?: string;
  readonly model?: string;
  readonly baseUrl?: string;
  readonly concurrency?: string;
  readonly filesInFlight?: string;
  readonly rpm?: string;
  readonly itpm?: string;
  readonly otpm?: string;
  readonly maxTokens?: string;
  readonly chunkTokens?: string;
  readonly budget?: string;
  readonly timeScale?: string;
  readonly batch?: boolean;
  readonly resume?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly demo?: boolean;
  readonly progress?: boolean;
  readonly redis?: string;
  readonly workers?: string;
}

/** Everything a run needs, validated. */
export interface SummarizerOptions {
  readonly inputs: readonly string[];
  /** Absolute. */
  readonly outDir: string;
  readonly provider: ProviderName;
  readonly model: string | undefined;
  readonly baseUrl: string | undefined;
  readonly apiKey: string | undefined;
  /** Most model calls in flight. */
  readonly concurrency: number;
  /** Most files loaded and being summarized at once (memory), separate from model calls. */
  readonly filesInFlight: number;
  readonly requestsPerMinute: number | undefined;
  readonly inputTokensPerMinute: number | undefined;
  readonly outputTokensPerMinute: number | undefined;
  readonly maxTokens: number;
  /** Largest chunk sent in one call, in estimated tokens. */
  readonly chunkTokens: number;
  readonly budget: BudgetLimit | undefined;
  readonly timeScale: number;
  readonly maxFileBytes: number;
  readonly batch: boolean;
  readonly resume: boolean;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly demo: boolean;
  /** false: no live progress display at all (--no-progress). */
  readonly progress: boolean;
  /** --redis: model calls go to the pool of `summarize worker` processes meeting at this Redis. */
  readonly redis?: string;
  /** --workers: local pool workers this run starts (and stops) itself. */
  readonly workers?: number;
}

export interface ResolveContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The bundled demo texts (absolute paths); required for --demo. */
  readonly demoTexts?: readonly string[];
}

/**
 * Turns raw flag values into validated options, or throws `UsageError` saying what to change.
 *
 * @example
 * resolveOptions(["docs/"], { provider: "local", budget: "50k tokens" }, { cwd: process.cwd(), env: process.env });
 */
export function resolveOptions(
  inputs: readonly string[],
  flags: RawFlags,
  context: ResolveContext,
): SummarizerOptions {
  const demo = flags.demo === true;
  if (demo && inputs.length > 0) {
    throw new UsageError("--demo summarizes the bundled texts and takes no inputs; drop either one.");
  }
  if (!demo && inputs.length === 0) {
    throw new UsageError(
      "Nothing to summarize: give files, folders or glob patterns (e.g. `summarize docs/ --out summaries`), or --demo.",
    );
  }
  if (demo && (context.demoTexts === undefined || context.demoTexts.length === 0)) {
    throw new UsageError("--demo: the bundled texts were not found next to the program (texts/*.txt).");
  }

  const anthropicKey = nonEmpty(context.env.ANTHROPIC_API_KEY);
  const provider = parseProvider(flags.provider, demo ? undefined : anthropicKey);
  // OpenAI-compatible local servers (Ollama, vLLM, llama.cpp, LM Studio) need no key.
  const apiKey = provider === "openai" ? nonEmpty(context.env.OPENAI_API_KEY) : anthropicKey;
  // The SDKs read these variables themselves; reading them here lets the report name the server.
  const envBaseUrl =
    provider === "openai"
      ? envUrl(context.env, "OPENAI_BASE_URL")
      : provider === "anthropic"
        ? envUrl(context.env, "ANTHROPIC_BASE_URL")
        : undefined;
  const baseUrl = flags.baseUrl === undefined ? envBaseUrl : parseUrl(flags.baseUrl);
  if (baseUrl !== undefined && provider !== "anthropic" && provider !== "openai") {
    throw new UsageError(
      `--base-url points the anthropic or openai provider at another server; it does nothing with --provider ${provider}.`,
    );
  }
  if (provider === "openai" && flags.model === undefined && baseUrl !== undefined && !isOpenAIHost(baseUrl)) {
    throw new UsageError(
      `--provider openai with --base-url ${baseUrl} needs --model: name a model that server has loaded ` +
        "(e.g. `ollama list`, or GET <base-url>/models).",
    );
  }
  // A dry run sends nothing, so it can plan for Anthropic before a key is set up.
  if (provider === "anthropic" && apiKey === undefined && flags.dryRun !== true) {
    throw new UsageError(
      "--provider anthropic needs ANTHROPIC_API_KEY in the environment. Without a key, try " +
        "--provider emulator (a local stand-in with real rate limits) or --provider local (offline).",
    );
  }
  const batch = flags.batch === true;
  if (batch && (provider === "local" || provider === "openai")) {
    throw new UsageError(
      "--batch uses Anthropic Message Batches: use it with --provider anthropic or emulator.",
    );
  }
  if (
    provider === "openai" &&
    apiKey === undefined &&
    flags.dryRun !== true &&
    (baseUrl === undefined || isOpenAIHost(baseUrl))
  ) {
    throw new UsageError(
      "--provider openai needs OPENAI_API_KEY in the environment to reach OpenAI. A local " +
        "OpenAI-compatible server needs no key: point --base-url at it (e.g. http://localhost:11434/v1 for Ollama).",
    );
  }
  if (flags.timeScale !== undefined && provider !== "emulator") {
    throw new UsageError("--time-scale only applies to --provider emulator.");
  }
  if (flags.model !== undefined && provider === "local") {
    throw new UsageError(
      "--provider local has one model (offline-extractive); --model applies to anthropic, openai and emulator.",
    );
  }
  const model = flags.model === undefined ? undefined : parseModel(flags.model);

  const concurrency =
    flags.concurrency === undefined
      ? provider === "local"
        ? 4
        : 8
      : parseCount(flags.concurrency, "--concurrency", { min: 1, max: 1_000 });
  const filesInFlight =
    flags.filesInFlight === undefined
      ? Math.min(64, Math.max(4, 2 * concurrency))
      : parseCount(flags.filesInFlight, "--files-in-flight", { min: 1, max: 10_000 });
  const requestsPerMinute = optionalCount(flags.rpm, "--rpm");
  const inputTokensPerMinute = optionalCount(flags.itpm, "--itpm");
  const outputTokensPerMinute = optionalCount(flags.otpm, "--otpm");
  const maxTokens =
    flags.maxTokens === undefined
      ? DEFAULT_MAX_TOKENS
      : parseCount(flags.maxTokens, "--max-tokens", { min: 16, max: 64_000 });
  if (outputTokensPerMinute !== undefined && maxTokens > outputTokensPerMinute) {
    throw new UsageError(
      `--max-tokens ${maxTokens} is above --otpm ${outputTokensPerMinute}: the provider reserves max_tokens ` +
        "of output per call, so no call could ever be admitted. Lower --max-tokens or raise --otpm.",
    );
  }
  let chunkTokens =
    flags.chunkTokens === undefined
      ? DEFAULT_CHUNK_TOKENS
      : parseCount(flags.chunkTokens, "--chunk-tokens", { min: 100, max: 150_000 });
  // A chunk (plus the prompt around it) must fit one minute of input tokens, or it is never admitted.
  if (inputTokensPerMinute !== undefined) {
    const fits = Math.floor(inputTokensPerMinute * 0.8) - 100;
    if (fits < 100) {
      throw new UsageError(
        `--itpm ${inputTokensPerMinute} is too low to send even a small chunk; use at least 500.`,
      );
    }
    if (flags.chunkTokens !== undefined && chunkTokens > fits) {
      throw new UsageError(
        `--chunk-tokens ${chunkTokens} does not fit --itpm ${inputTokensPerMinute}: use at most ${fits}.`,
      );
    }
    chunkTokens = Math.min(chunkTokens, fits);
  }
  // Combining needs room for at least two summaries per call, or the reduce step could not shrink.
  if (chunkTokens < 2 * maxTokens + 100) {
    throw new UsageError(
      `--chunk-tokens ${chunkTokens} leaves no room to combine summaries of up to --max-tokens ${maxTokens}: ` +
        `use --chunk-tokens of at least ${2 * maxTokens + 100}, or a lower --max-tokens.`,
    );
  }

  const timeScale =
    flags.timeScale === undefined
      ? DEFAULT_TIME_SCALE
      : parsePositive(flags.timeScale, "--time-scale", 1_000);
  const budget = flags.budget === undefined ? undefined : parseBudget(flags.budget);
  const outDir = path.resolve(context.cwd, flags.out ?? (demo ? DEMO_OUT_DIR : DEFAULT_OUT_DIR));
  const resolvedInputs = demo && context.demoTexts !== undefined ? context.demoTexts : inputs;

  return {
    inputs: resolvedInputs,
    outDir,
    provider,
    model,
    baseUrl,
    apiKey,
    concurrency,
    filesInFlight,
    requestsPerMinute,
    inputTokensPerMinute,
    outputTokensPerMinute,
    maxTokens,
    chunkTokens,
    budget,
    timeScale,
    maxFileBytes: DEFAULT_MAX_FILE_BYTES,
    batch,
    resume: flags.resume === true,
    dryRun: flags.dryRun === true,
    json: flags.json === true,
    demo,
    progress: flags.progress !== false,
    ...poolOptions(flags, batch),
  };
}

function poolOptions(flags: RawFlags, batch: boolean): Pick<SummarizerOptions, "redis" | "workers"> {
  if (flags.redis === undefined) {
    if (flags.workers !== undefined)
      throw new UsageError("--workers starts pool workers: it needs --redis <url>.");
    return {};
  }
  if (!/^rediss?:\/\/./.test(flags.redis)) {
    throw new UsageError(
      `--redis takes a Redis URL such as redis://127.0.0.1:6379 (got ${JSON.stringify(flags.redis)}).`,
    );
  }
  if (batch)
    throw new UsageError(
      "--batch sends Message Batches from this process; it cannot be combined with --redis.",
    );
  const workers = flags.workers === undefined ? undefined : parseWorkers(flags.workers);
  return { redis: flags.redis, ...(workers === undefined ? {} : { workers }) };
}

function parseWorkers(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0 || count > 64) {
    throw new UsageError(`--workers must be a whole number from 0 to 64 (got ${JSON.stringify(value)}).`);
  }
  return count;
}

function parseProvider(value: string | undefined, apiKey: string | undefined): ProviderName {
  if (value === undefined) return apiKey === undefined ? "local" : "anthropic";
  const name = value.trim().toLowerCase();
  if (name === "offline") return "local";
  if ((PROVIDERS as readonly string[]).includes(name)) return name as ProviderName;
  throw new UsageError(`--provider must be one of ${PROVIDERS.join(", ")} (got ${JSON.stringify(value)}).`);
}

function isOpenAIHost(url: string): boolean {
  return new URL(url).hostname === "api.openai.com";
}

function envUrl(env: ResolveContext["env"], name: string): string | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined) return undefined;
  try {
    return parseUrl(value);
  } catch (error) {
    throw new UsageError(
      `${name} must be an http(s) URL such as https://api.example.com (got ${JSON.stringify(value)}); fix or unset it.`,
      { cause: error },
    );
  }
}

function parseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return value.replace(/\/+$/, "");
  } catch (error) {
    throw new UsageError(
      `--base-url must be an http(s) URL such as http://127.0.0.1:8787 (got ${JSON.stringify(value)}).`,
      {
        cause: error,
      },
    );
  }
}

function parseModel(value: string): string {
  const model = value.trim();
  if (!/^[\w.@:/-]{1,200}$/.test(model)) {
    throw new UsageError(
      `--model must be a model id such as claude-haiku-4-5 (got ${JSON.stringify(value)}).`,
    );
  }
  return model;
}

function optionalCount(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : parseCount(value, flag, { min: 1, max: 1e12 });
}

const SUFFIXES: Readonly<Record<string, number>> = { "": 1, k: 1_000, m: 1_000_000 };

/**
 * A whole number, with optional `k`/`M` suffix and `_` or `,` separators: "50", "30k", "1.5M", "90_000".
 *
 * @example
 * parseCount("30k", "--itpm", { min: 1, max: 1e9 }); // 30000
 */
export function parseCount(value: string, flag: string, range: { min: number; max: number }): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(value.replace(/[_,]/g, ""));
  const scaled = match ? Number(match[1]) * (SUFFIXES[(match[2] ?? "").toLowerCase()] ?? 1) : Number.NaN;
  if (!Number.isInteger(scaled) || scaled < range.min || scaled > range.max) {
    throw new UsageError(
      `${flag} must be a whole number from ${range.min} to ${range.max.toLocaleString("en-US")} (got ${JSON.stringify(value)}).`,
    );
  }
  return scaled;
}

function parsePositive(value: string, flag: string, max: number): number {
  const number = Number(value);
  if (!(Number.isFinite(number) && number > 0 && number <= max)) {
    throw new UsageError(
      `${flag} must be a number above 0 and at most ${max} (got ${JSON.stringify(value)}).`,
    );
  }
  return number;
}

/**
 * Reads a budget: dollars (`$2`, `2usd`, `2.50 USD`, `2 dollars`) or tokens (`500k tokens`,
 * `1.5M tok`, `20000 tokens`). A bare number is refused, because "2" could mean either.
 *
 * @example
 * parseBudget("$2");          // { unit: "usd", amount: 2 }
 * parseBudget("500k tokens"); // { unit: "tokens", amount: 500000 }
 */
export function parseBudget(value: string): BudgetLimit {
  const text = value.trim().toLowerCase().replace(/[_,]/g, "");
  const dollars = /^\$\s*(\d+(?:\.\d+)?)$/.exec(text) ?? /^(\d+(?:\.\d+)?)\s*(?:usd|dollars?|\$)$/.exec(text);
  if (dollars) {
    const amount = Number(dollars[1]);
    if (amount > 0) return { unit: "usd", amount };
  }
  const tokens = /^(\d+(?:\.\d+)?)\s*([km]?)\s*(?:tokens?|toks?)$/.exec(text);
  if (tokens) {
    const amount = Math.floor(Number(tokens[1]) * (SUFFIXES[tokens[2] ?? ""] ?? 1));
    if (amount > 0) return { unit: "tokens", amount };
  }
  throw new UsageError(
    `--budget must be dollars like "$2" or "2usd", or tokens like "500k tokens" (got ${JSON.stringify(value)}).`,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
