import { type Env, type HttpInfo, LlmConfigurationError } from "@sluice/llm";
import {
  DEFAULT_OPENAI_MODEL,
  isOpenAIHost,
  isPresetName,
  type MaxTokensField,
  OPENAI_COMPATIBLE_PRESETS,
  type OpenAICompatiblePreset,
  PRESET_NAMES,
} from "./presets.js";

/**
 * The global `fetch` when the consumer's types declare one (DOM, @types/node), else any function of
 * its shape: a strict consumer without those types still compiles against this package.
 */
export type FetchFunction = typeof globalThis extends { fetch: infer Fetch }
  ? Fetch
  : (input: string, init?: object) => Promise<unknown>;

/**
 * One HTTP attempt's outcome, as `onHttpResponse` receives it: a @sluice/throttle `ProviderFeedback`
 * as it is (`throttle.observe(attempt)`).
 */
export interface HttpAttempt extends HttpInfo {
  /** 1-based: 1 is the first try, 2 the adapter's first retry, … */
  readonly attempt: number;
  /** For error responses: the body's `error.type`, e.g. "tokens" or "insufficient_quota". */
  readonly errorType?: string;
  /** For error responses: the body's `error.code`, e.g. "rate_limit_exceeded". */
  readonly errorCode?: string;
  /** For error responses: the wait asked for (retry-after, else derived from x-ratelimit-* resets), in ms. */
  readonly retryAfterMs?: number;
  /** For error responses: whether the adapter considers the failure worth retrying. */
  readonly retryable?: boolean;
}

export interface OpenAICompatibleModelOptions {
  /**
   * A known server: its default base URL and output-cap field apply unless given here. Default
   * "openai" (or a generic OpenAI-compatible server when `baseURL` points elsewhere).
   */
  readonly preset?: OpenAICompatiblePreset | undefined;
  /**
   * The API root, ending in `/v1`. Default: the preset's URL; for "openai" (or no preset),
   * `OPENAI_BASE_URL` from the environment, else https://api.openai.com/v1.
   */
  readonly baseURL?: string | undefined;
  /**
   * Sent as `Authorization: Bearer`. Default: `OPENAI_API_KEY` for "openai" and servers given by
   * `baseURL` alone; local presets get no key unless you pass one (so your OpenAI key never
   * reaches them). Required by OpenAI itself; optional for local servers.
   */
  readonly apiKey?: string | undefined;
  /**
   * The model id to send. Default `DEFAULT_OPENAI_MODEL` on api.openai.com; every other server
   * needs it (e.g. "llama3.2" for Ollama: see `ollama list`).
   */
  readonly model?: string | undefined;
  /** Per-attempt time limit in ms (sending to the last byte, stream included) for requests that set no `timeoutMs`. Default: none. */
  readonly timeoutMs?: number | undefined;
  /** Retries of retryable failures when the request sets no `transportRetries`. Default 2. */
  readonly maxRetries?: number | undefined;
  /** Headers sent with every request (e.g. `OpenAI-Organization`); they may replace `Authorization`. */
  readonly defaultHeaders?: Readonly<Record<string, string>> | undefined;
  /** The body field that caps output. Default: `max_completion_tokens` on api.openai.com, else `max_tokens`. */
  readonly maxTokensField?: MaxTokensField | undefined;
  /** The fetch to use. Default: the global `fetch` of Node 20+. */
  readonly fetch?: FetchFunction | undefined;
  /** Sees the status and lower-cased headers of every HTTP attempt, the adapter's own retries included. */
  readonly onHttpResponse?: ((attempt: HttpAttempt) => void) | undefined;
  /** Where `OPENAI_API_KEY` and `OPENAI_BASE_URL` are read from. Default `process.env`. */
  readonly env?: Env | undefined;
}

/** Everything a model needs, resolved and checked. */
export interface ResolvedSettings {
  /** "openai" or the preset's name. */
  readonly provider: string;
  readonly baseURL: string;
  /** `{baseURL}/chat/completions`. */
  readonly endpoint: string;
  readonly apiKey: string | undefined;
  readonly model: string;
  readonly maxTokensField: MaxTokensField;
  readonly timeoutMs: number | undefined;
  readonly maxRetries: number;
  readonly defaultHeaders: Readonly<Record<string, string>>;
  readonly fetch: FetchFunction;
  readonly onHttpResponse: ((attempt: HttpAttempt) => void) | undefined;
  /** How to start the server, for "connection refused". */
  readonly startHint: string | undefined;
}

/** The SDKs' default: two retries after the first attempt. */
export const DEFAULT_MAX_RETRIES = 2;

/** Reads options and the environment into settings, or throws `LlmConfigurationError` saying what to fix. */
export function resolveSettings(options: OpenAICompatibleModelOptions, where: string): ResolvedSettings {
  if (typeof options !== "object" || options === null) {
    throw new LlmConfigurationError(`${where}: options must be an object.`);
  }
  const { preset } = options;
  if (preset !== undefined && !isPresetName(preset)) {
    throw new LlmConfigurationError(
      `${where}: unknown preset ${JSON.stringify(preset)}; use one of ${PRESET_NAMES.join(", ")}, ` +
        "or leave it out and pass `baseURL`.",
    );
  }
  const env = options.env ?? (typeof process === "undefined" ? {} : process.env);
  const local = preset !== undefined && preset !== "openai";
  const defaults = OPENAI_COMPATIBLE_PRESETS[preset ?? "openai"];

  const baseURL = stripTrailingSlashes(
    options.baseURL ?? (local ? defaults.baseURL : (nonEmpty(env.OPENAI_BASE_URL) ?? defaults.baseURL)),
  );
  if (!isHttpUrl(baseURL)) {
    throw new LlmConfigurationError(
      `${where}: \`baseURL\` must be an http(s) URL such as "http://localhost:11434/v1" (got ${JSON.stringify(baseURL)}).`,
    );
  }
  if (hasCredentials(baseURL)) {
    // fetch refuses such URLs; and the message must not repeat the password.
    throw new LlmConfigurationError(
      `${where}: \`baseURL\` must not carry a user name or password (fetch refuses such URLs); ` +
        "pass the key as `apiKey`, or other credentials through `defaultHeaders`.",
    );
  }
  const onOpenAI = isOpenAIHost(baseURL);

  if (options.apiKey !== undefined && typeof options.apiKey !== "string") {
    throw new LlmConfigurationError(`${where}: \`apiKey\` must be a string.`);
  }
  const apiKey = nonEmpty(options.apiKey) ?? (local ? undefined : nonEmpty(env.OPENAI_API_KEY));
  if (apiKey !== undefined && !isPrintableToken(apiKey)) {
    throw new LlmConfigurationError(
      `${where}: the API key contains spaces, line breaks or characters outside visible ASCII; copy it again (it is not shown here).`,
    );
  }
  if (apiKey === undefined && onOpenAI) {
    throw new LlmConfigurationError(
      `${where}: no OpenAI API key. Set OPENAI_API_KEY in the environment or pass { apiKey }; ` +
        'for a local server pass { preset: "ollama" } (or vllm, llamacpp, lmstudio) or its `baseURL`.',
    );
  }

  const model = options.model ?? (onOpenAI ? DEFAULT_OPENAI_MODEL : undefined);
  if (model === undefined) {
    throw new LlmConfigurationError(
      `${where}: name the model to use with { model } (or SLUICE_MODEL), e.g. "llama3.2": the server at ` +
        `${baseURL} is not OpenAI's, so there is no default. ${modelHint(preset)}`,
    );
  }
  if (typeof model !== "string" || model.trim() === "") {
    throw new LlmConfigurationError(`${where}: \`model\` must be a non-empty model id such as "llama3.2".`);
  }

  const maxTokensField =
    options.maxTokensField ?? (preset === undefined && !onOpenAI ? "max_tokens" : defaults.maxTokensField);
  if (maxTokensField !== "max_tokens" && maxTokensField !== "max_completion_tokens") {
    throw new LlmConfigurationError(
      `${where}: \`maxTokensField\` must be "max_tokens" or "max_completion_tokens" (got ${JSON.stringify(maxTokensField)}).`,
    );
  }

  const { timeoutMs } = options;
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0)) {
    throw new LlmConfigurationError(
      `${where}: \`timeoutMs\` must be a positive number of ms (got ${String(timeoutMs)}).`,
    );
  }
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new LlmConfigurationError(
      `${where}: \`maxRetries\` must be a whole number, 0 or more (got ${String(maxRetries)}).`,
    );
  }
  const defaultHeaders = options.defaultHeaders ?? {};
  if (
    typeof defaultHeaders !== "object" ||
    defaultHeaders === null ||
    Object.values(defaultHeaders).some((value) => typeof value !== "string")
  ) {
    throw new LlmConfigurationError(`${where}: \`defaultHeaders\` must map header names to strings.`);
  }
  try {
    new Headers(defaultHeaders as Record<string, string>);
  } catch {
    // The value may be a credential: name the rule, not the value.
    throw new LlmConfigurationError(
      `${where}: \`defaultHeaders\` holds an invalid header name or value (line breaks and non-ASCII characters are not allowed).`,
    );
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") {
    throw new LlmConfigurationError(
      `${where}: no global fetch (Node 20 or later has one); pass { fetch } explicitly.`,
    );
  }
  if (options.onHttpResponse !== undefined && typeof options.onHttpResponse !== "function") {
    throw new LlmConfigurationError(`${where}: \`onHttpResponse\` must be a function.`);
  }

  return {
    provider: preset ?? "openai",
    baseURL,
    endpoint: `${baseURL}/chat/completions`,
    apiKey,
    model,
    maxTokensField,
    timeoutMs,
    maxRetries,
    defaultHeaders: { ...defaultHeaders },
    fetch: fetchImpl,
    onHttpResponse: options.onHttpResponse,
    startHint: preset === undefined ? undefined : OPENAI_COMPATIBLE_PRESETS[preset].startHint,
  };
}

function modelHint(preset: OpenAICompatiblePreset | undefined): string {
  switch (preset) {
    case "ollama":
      return "`ollama list` shows the models you have pulled.";
    case "lmstudio":
      return "`lms ls` shows the models you have downloaded.";
    case "vllm":
      return "Use the name `vllm serve` was started with (GET /v1/models lists it).";
    case "llamacpp":
      return "llama-server answers with the model it loaded; any name (e.g. its file name) works.";
    default:
      return "GET {baseURL}/models lists what the server offers.";
  }
}

function stripTrailingSlashes(url: string): string {
  return typeof url === "string" ? url.replace(/\/+$/, "") : url;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = typeof value === "string" ? value.trim() : undefined;
  return trimmed ? trimmed : undefined;
}

/** Visible ASCII only: what a key must be to travel in an HTTP header. */
function isPrintableToken(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code <= 0x20 || code >= 0x7f) return false;
  }
  return true;
}

function hasCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== "" || url.password !== "";
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
