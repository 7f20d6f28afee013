/**
 * The OpenAI-compatible servers this package knows by name: where each listens by default, which
 * field caps the output, and how to start it when nothing answers there.
 */

/** The name of a known OpenAI-compatible server. */
export type OpenAICompatiblePreset = "openai" | "ollama" | "vllm" | "llamacpp" | "lmstudio";

/**
 * The body field that caps generated tokens. OpenAI deprecated `max_tokens` in favour of
 * `max_completion_tokens` (its reasoning models reject `max_tokens`); the local servers read
 * `max_tokens`, and not all of them know the newer name.
 */
export type MaxTokensField = "max_tokens" | "max_completion_tokens";

export interface PresetDefaults {
  /** The base URL the server listens on out of the box (ending in `/v1`). */
  readonly baseURL: string;
  readonly maxTokensField: MaxTokensField;
  /** Whether the server refuses calls without an API key. */
  readonly requiresApiKey: boolean;
  /** How to start the server, quoted when nothing answers at its URL. */
  readonly startHint: string;
}

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** The model sent to OpenAI when neither `model` nor `SLUICE_MODEL` names one: small, fast and cheap. */
export const DEFAULT_OPENAI_MODEL = "gpt-4.1-mini";

export const OPENAI_COMPATIBLE_PRESETS: Readonly<Record<OpenAICompatiblePreset, PresetDefaults>> = {
  openai: {
    baseURL: OPENAI_BASE_URL,
    maxTokensField: "max_completion_tokens",
    requiresApiKey: true,
    startHint: "check your network and OPENAI_BASE_URL",
  },
  ollama: {
    baseURL: "http://localhost:11434/v1",
    maxTokensField: "max_tokens",
    requiresApiKey: false,
    startHint: "start it with `ollama serve` (and `ollama pull <model>` once)",
  },
  vllm: {
    baseURL: "http://localhost:8000/v1",
    maxTokensField: "max_tokens",
    requiresApiKey: false,
    startHint: "start it with `vllm serve <model>`",
  },
  llamacpp: {
    baseURL: "http://localhost:8080/v1",
    maxTokensField: "max_tokens",
    requiresApiKey: false,
    startHint: "start it with `llama-server -m <model>.gguf`",
  },
  lmstudio: {
    baseURL: "http://localhost:1234/v1",
    maxTokensField: "max_tokens",
    requiresApiKey: false,
    startHint: "start it with `lms server start` or from LM Studio's Developer tab",
  },
};

export const PRESET_NAMES = Object.keys(OPENAI_COMPATIBLE_PRESETS) as OpenAICompatiblePreset[];

export function isPresetName(value: unknown): value is OpenAICompatiblePreset {
  return typeof value === "string" && Object.hasOwn(OPENAI_COMPATIBLE_PRESETS, value);
}

/** Whether `baseURL` is OpenAI's own API (where `max_completion_tokens` and the default model apply). */
export function isOpenAIHost(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname === "api.openai.com";
  } catch {
    return false;
  }
}
