import { LlmConfigurationError } from "./errors.js";
import type { ChatModel } from "./model.js";
import { isChatModel } from "./model.js";
import { createOfflineModel } from "./offline/model.js";

/**
 * Which model `callLlm` uses when the caller names none, and the registry of providers adapters add
 * themselves to. In order:
 *   1. the model given to `setDefaultModel`;
 *   2. `SLUICE_PROVIDER` (e.g. "anthropic", "offline"), with `SLUICE_MODEL` as the model id;
 *   3. the "anthropic" provider when `ANTHROPIC_API_KEY` is set and @sluice/llm-anthropic has been
 *      imported (it registers itself); if it has not, the offline model, with one warning;
 *   4. the offline model (an extractive summarizer, not an LLM).
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface ProviderFactoryOptions {
  /** The environment to read keys and settings from (normally `process.env`). */
  readonly env: Env;
  /** The model id asked for through `SLUICE_MODEL`; undefined means the provider's default. */
  readonly modelId?: string;
}

export type ProviderFactory = (options: ProviderFactoryOptions) => ChatModel;

export type DefaultModelSource = "setDefaultModel" | "SLUICE_PROVIDER" | "ANTHROPIC_API_KEY" | "offline";

export interface ResolvedDefaultModel {
  readonly model: ChatModel;
  readonly source: DefaultModelSource;
}

export interface DefaultModelOptions {
  /** Default `process.env`. */
  readonly env?: Env;
  /** Where the one-time fallback warning goes. Default `console.warn`. */
  readonly onWarning?: (message: string) => void;
}

interface RegistryState {
  readonly providers: Map<string, ProviderFactory>;
  readonly created: WeakMap<ProviderFactory, Map<string, ChatModel>>;
  readonly warned: Set<string>;
  explicit: ChatModel | undefined;
}

// Kept on globalThis under a registry-wide symbol so that an adapter loaded through a second copy
// of this package (CJS next to ESM) registers where `callLlm` looks.
const STATE = Symbol.for("@sluice/llm/default-model");

function state(): RegistryState {
  const holder = globalThis as typeof globalThis & { [STATE]?: RegistryState };
  holder[STATE] ??= { providers: new Map(), created: new WeakMap(), warned: new Set(), explicit: undefined };
  return holder[STATE];
}

const offlineFactory: ProviderFactory = () => createOfflineModel();

const PROVIDER_NAME = /^[a-z][a-z0-9_-]*$/;

/**
 * Makes a provider available by name, for `SLUICE_PROVIDER=<name>` (and, for "anthropic", for
 * `ANTHROPIC_API_KEY`). Adapter packages call it when they are imported. Registering a name again
 * replaces the earlier factory. Returns a function that removes the registration.
 *
 * @example
 * registerProvider("anthropic", ({ env, modelId }) => createAnthropicModel({ apiKey: env.ANTHROPIC_API_KEY, model: modelId }));
 */
export function registerProvider(name: string, factory: ProviderFactory): () => void {
  if (typeof name !== "string" || !PROVIDER_NAME.test(name)) {
    throw new LlmConfigurationError(
      `Provider names are lower-case words like "anthropic" or "openai" (got ${JSON.stringify(name)}).`,
    );
  }
  if (typeof factory !== "function") {
    throw new LlmConfigurationError(
      `registerProvider("${name}", factory): factory must be a function returning a ChatModel.`,
    );
  }
  const { providers } = state();
  providers.set(name, factory);
  return () => {
    if (providers.get(name) === factory) providers.delete(name);
  };
}

/** Names of the providers available to `SLUICE_PROVIDER`, "offline" included. */
export function listProviders(): string[] {
  return [...new Set(["offline", ...state().providers.keys()])].sort();
}

/**
 * Makes `model` the default for every `callLlm`/`chat` that names none; it wins over the
 * environment. Pass `undefined` to go back to choosing from the environment.
 *
 * @example
 * setDefaultModel(withLimiter(createAnthropicModel(), throttle));
 */
export function setDefaultModel(model: ChatModel | undefined): void {
  if (model !== undefined && !isChatModel(model)) {
    throw new LlmConfigurationError(
      'setDefaultModel needs a ChatModel (specificationVersion "v1" with generate and stream), or undefined.',
    );
  }
  state().explicit = model;
}

/** The model `callLlm` would use now. */
export function getDefaultModel(options: DefaultModelOptions = {}): ChatModel {
  return resolveDefaultModel(options).model;
}

/** Like `getDefaultModel`, and says why that model was chosen. */
export function resolveDefaultModel(options: DefaultModelOptions = {}): ResolvedDefaultModel {
  const registry = state();
  if (registry.explicit) return { model: registry.explicit, source: "setDefaultModel" };

  const env = options.env ?? (typeof process === "undefined" ? {} : process.env);
  const modelId = nonEmpty(env.SLUICE_MODEL);
  const requested = nonEmpty(env.SLUICE_PROVIDER)?.toLowerCase();
  if (requested !== undefined) {
    const factory = factoryFor(requested);
    if (!factory) {
      throw new LlmConfigurationError(
        `SLUICE_PROVIDER is "${requested}", but no provider of that name is registered ` +
          `(available: ${listProviders().join(", ")}). Import its adapter once at startup, e.g. ` +
          `\`import "@sluice/llm-${requested}";\`, or unset SLUICE_PROVIDER.`,
      );
    }
    return { model: create(requested, factory, env, modelId), source: "SLUICE_PROVIDER" };
  }

  if (nonEmpty(env.ANTHROPIC_API_KEY) !== undefined) {
    const factory = factoryFor("anthropic");
    if (factory) return { model: create("anthropic", factory, env, modelId), source: "ANTHROPIC_API_KEY" };
    warnOnce(
      "anthropic-adapter-missing",
      "[sluice] ANTHROPIC_API_KEY is set, but the Anthropic adapter is not loaded, so callLlm is using the " +
        'offline extractive summarizer ("offline-extractive", not an LLM). To call Claude, install ' +
        '@sluice/llm-anthropic and import it once at startup (`import "@sluice/llm-anthropic";`), or pass a ' +
        "model to setDefaultModel(). Set SLUICE_PROVIDER=offline to keep the offline model without this warning.",
      options.onWarning,
    );
  }
  return { model: create("offline", offlineFactory, env, undefined), source: "offline" };
}

/** Forgets `setDefaultModel`, cached provider models and given warnings (registrations stay). */
export function resetDefaultModel(): void {
  const registry = state();
  registry.explicit = undefined;
  registry.warned.clear();
  for (const factory of [offlineFactory, ...registry.providers.values()]) registry.created.delete(factory);
}

function factoryFor(name: string): ProviderFactory | undefined {
  return state().providers.get(name) ?? (name === "offline" ? offlineFactory : undefined);
}

// One model per provider and model id, so an SDK client is not rebuilt for every call.
function create(name: string, factory: ProviderFactory, env: Env, modelId: string | undefined): ChatModel {
  const { created } = state();
  let byModel = created.get(factory);
  if (!byModel) {
    byModel = new Map();
    created.set(factory, byModel);
  }
  const key = modelId ?? "";
  const cached = byModel.get(key);
  if (cached) return cached;
  const model = factory(modelId === undefined ? { env } : { env, modelId });
  if (!isChatModel(model)) {
    throw new LlmConfigurationError(
      `The "${name}" provider's factory did not return a ChatModel (specificationVersion "v1" with generate and stream).`,
    );
  }
  byModel.set(key, model);
  return model;
}

function warnOnce(key: string, message: string, onWarning: ((message: string) => void) | undefined): void {
  const { warned } = state();
  if (warned.has(key)) return;
  warned.add(key);
  (onWarning ?? ((text: string) => console.warn(text)))(message);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
