import Anthropic from "@anthropic-ai/sdk";
import { LlmConfigurationError } from "@sluice/llm";

/** What it takes to build (or adopt) the SDK client. */
export interface ClientSettings {
  /** Default: `ANTHROPIC_API_KEY` from the environment. */
  readonly apiKey?: string | undefined;
  /** Default: `ANTHROPIC_BASE_URL` from the environment, else https://api.anthropic.com. */
  readonly baseURL?: string | undefined;
  /** SDK retries per call when neither the request nor a limiter says otherwise. SDK default: 2. */
  readonly maxRetries?: number | undefined;
  /** Headers sent with every request (e.g. `anthropic-beta`). */
  readonly defaultHeaders?: Readonly<Record<string, string>> | undefined;
  /** An SDK client you built yourself; then apiKey, baseURL, maxRetries and defaultHeaders must be left out. */
  readonly client?: Anthropic | undefined;
}

/** The SDK client and the key it uses (kept only to scrub it from errors). */
export interface ResolvedClient {
  readonly client: Anthropic;
  readonly secret: string | undefined;
}

const CLIENT_OWNED = ["apiKey", "baseURL", "maxRetries", "defaultHeaders"] as const;

/**
 * Builds the SDK client from options and the environment, or adopts the one given. The key is
 * passed to the SDK explicitly, so the SDK never goes looking for credential files on disk.
 */
export function resolveClient(settings: ClientSettings, where: string): ResolvedClient {
  if (settings.client !== undefined) {
    const clashing = CLIENT_OWNED.filter((name) => settings[name] !== undefined);
    if (clashing.length > 0) {
      throw new LlmConfigurationError(
        `${where}: pass either \`client\` or ${clashing.map((name) => `\`${name}\``).join(", ")}, not both; ` +
          "configure those on the client you pass.",
      );
    }
    if (typeof settings.client?.messages?.create !== "function") {
      throw new LlmConfigurationError(
        `${where}: \`client\` must be an Anthropic client from @anthropic-ai/sdk.`,
      );
    }
    const secret = typeof settings.client.apiKey === "string" ? settings.client.apiKey : undefined;
    return { client: settings.client, secret };
  }

  const env = typeof process === "undefined" ? {} : process.env;
  const apiKey = settings.apiKey ?? nonEmpty(env.ANTHROPIC_API_KEY);
  if (apiKey === undefined || apiKey.trim() === "") {
    throw new LlmConfigurationError(
      `${where}: no Anthropic API key. Set ANTHROPIC_API_KEY in the environment or pass { apiKey }.`,
    );
  }
  if (typeof apiKey !== "string") throw new LlmConfigurationError(`${where}: \`apiKey\` must be a string.`);
  const baseURL = settings.baseURL ?? nonEmpty(env.ANTHROPIC_BASE_URL);
  if (baseURL !== undefined && !isHttpUrl(baseURL)) {
    throw new LlmConfigurationError(
      `${where}: \`baseURL\` must be an http(s) URL such as "https://api.anthropic.com" (got ${JSON.stringify(baseURL)}).`,
    );
  }
  if (
    settings.maxRetries !== undefined &&
    !(Number.isInteger(settings.maxRetries) && settings.maxRetries >= 0)
  ) {
    throw new LlmConfigurationError(
      `${where}: \`maxRetries\` must be a whole number, 0 or more (got ${String(settings.maxRetries)}).`,
    );
  }

  const client = new Anthropic({
    apiKey,
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    ...(settings.defaultHeaders === undefined ? {} : { defaultHeaders: { ...settings.defaultHeaders } }),
  });
  return { client, secret: apiKey };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
