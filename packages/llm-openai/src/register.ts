import { type Env, registerProvider } from "@sluice/llm";
import { createOpenAICompatibleModel } from "./model.js";
import { type OpenAICompatiblePreset, PRESET_NAMES } from "./presets.js";

/**
 * Importing this package makes "openai" a provider of @sluice/llm's default model, chosen with
 * `SLUICE_PROVIDER=openai` (key from OPENAI_API_KEY, server from OPENAI_BASE_URL, model from
 * SLUICE_MODEL). The local servers are registered under their preset names too, so
 * `SLUICE_PROVIDER=ollama SLUICE_MODEL=llama3.2` works the same way.
 */
const unregisterAll: readonly (() => void)[] = PRESET_NAMES.map((preset) =>
  registerProvider(preset, ({ env, modelId }) => createFromEnv(preset, env, modelId)),
);

/** Removes the providers this package registered ("openai", "ollama", "vllm", "llamacpp", "lmstudio"). */
export function unregisterOpenAIProviders(): void {
  for (const unregister of unregisterAll) unregister();
}

function createFromEnv(preset: OpenAICompatiblePreset, env: Env, modelId: string | undefined) {
  return createOpenAICompatibleModel({ preset, env, ...(modelId === undefined ? {} : { model: modelId }) });
}
