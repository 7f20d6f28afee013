import { registerProvider } from "@sluice/llm";
import { createAnthropicModel } from "./model.js";

/**
 * Importing this package makes "anthropic" a provider of @sluice/llm's default model: `callLlm`
 * then uses Anthropic whenever ANTHROPIC_API_KEY is set (or SLUICE_PROVIDER=anthropic), with
 * SLUICE_MODEL as the model id when given. It reads the key and base URL from the environment
 * @sluice/llm hands it.
 */
export const unregisterAnthropicProvider: () => void = registerProvider("anthropic", ({ env, modelId }) =>
  createAnthropicModel({
    apiKey: nonEmpty(env.ANTHROPIC_API_KEY),
    baseURL: nonEmpty(env.ANTHROPIC_BASE_URL),
    model: modelId,
  }),
);

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
