import { afterEach, describe, expect, it } from "vitest";
import {
  getDefaultModel,
  listProviders,
  type ProviderFactory,
  registerProvider,
  resetDefaultModel,
  resolveDefaultModel,
  setDefaultModel,
} from "./default-model.js";
import { isLlmError } from "./errors.js";
import type { ChatModel } from "./model.js";
import { createOfflineModel } from "./offline/model.js";

const fakeModel = (provider: string, modelId = "default-id"): ChatModel => ({
  ...createOfflineModel(),
  provider,
  modelId,
});

const cleanups: (() => void)[] = [];
function register(name: string, factory: ProviderFactory): void {
  cleanups.push(registerProvider(name, factory));
}

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  resetDefaultModel();
});

describe("choosing the default model", () => {
  it("uses the offline model when nothing is configured", () => {
    const resolved = resolveDefaultModel({ env: {} });
    expect(resolved.source).toBe("offline");
    expect(resolved.model.modelId).toBe("offline-extractive");
    expect(getDefaultModel({ env: {} })).toBe(resolved.model);
  });

  it("uses the registered anthropic provider when ANTHROPIC_API_KEY is set", () => {
    const seen: unknown[] = [];
    register("anthropic", (options) => {
      seen.push(options);
      return fakeModel("anthropic", options.modelId);
    });
    const env = { ANTHROPIC_API_KEY: "sk-test", SLUICE_MODEL: "claude-haiku-4-5" };
    const resolved = resolveDefaultModel({ env });
    expect(resolved.source).toBe("ANTHROPIC_API_KEY");
    expect(resolved.model).toMatchObject({ provider: "anthropic", modelId: "claude-haiku-4-5" });
    expect(seen).toEqual([{ env, modelId: "claude-haiku-4-5" }]);
    // Built once per provider and model id, not per call.
    expect(getDefaultModel({ env })).toBe(resolved.model);
    expect(seen).toHaveLength(1);
  });

  it("falls back to the offline model, warning once, when the key is set but no adapter is loaded", () => {
    const warnings: string[] = [];
    const onWarning = (message: string) => warnings.push(message);
    for (let i = 0; i < 3; i += 1) {
      const resolved = resolveDefaultModel({ env: { ANTHROPIC_API_KEY: "sk-test" }, onWarning });
      expect(resolved.source).toBe("offline");
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("@sluice/llm-anthropic");
    expect(warnings[0]).toContain('import "@sluice/llm-anthropic"');
    expect(warnings[0]).toContain("not an LLM");
    expect(warnings[0]).not.toContain("sk-test");
  });

  it("treats an empty key as unset", () => {
    const warnings: string[] = [];
    expect(
      resolveDefaultModel({ env: { ANTHROPIC_API_KEY: "  " }, onWarning: (m) => warnings.push(m) }).source,
    ).toBe("offline");
    expect(warnings).toEqual([]);
  });

  it("follows SLUICE_PROVIDER over the key", () => {
    register("anthropic", () => fakeModel("anthropic"));
    register("openai", ({ modelId }) => fakeModel("openai", modelId));
    const env = { SLUICE_PROVIDER: "OpenAI", SLUICE_MODEL: "gpt-x", ANTHROPIC_API_KEY: "sk-test" };
    expect(resolveDefaultModel({ env })).toMatchObject({
      source: "SLUICE_PROVIDER",
      model: { provider: "openai", modelId: "gpt-x" },
    });
    const warnings: string[] = [];
    const offline = resolveDefaultModel({
      env: { SLUICE_PROVIDER: "offline", ANTHROPIC_API_KEY: "sk" },
      onWarning: (m) => warnings.push(m),
    });
    expect(offline.model.provider).toBe("offline");
    expect(warnings).toEqual([]);
  });

  it("fails clearly when SLUICE_PROVIDER names a provider nobody registered", () => {
    let error: unknown;
    try {
      resolveDefaultModel({ env: { SLUICE_PROVIDER: "mistral" } });
    } catch (caught) {
      error = caught;
    }
    expect(isLlmError(error, "configuration")).toBe(true);
    expect((error as Error).message).toContain('import "@sluice/llm-mistral"');
    expect((error as Error).message).toContain("available: offline");
  });

  it("lets setDefaultModel win over the environment, until it is cleared", () => {
    register("anthropic", () => fakeModel("anthropic"));
    const mine = fakeModel("mine");
    setDefaultModel(mine);
    expect(resolveDefaultModel({ env: { SLUICE_PROVIDER: "anthropic" } })).toEqual({
      model: mine,
      source: "setDefaultModel",
    });
    setDefaultModel(undefined);
    expect(resolveDefaultModel({ env: { SLUICE_PROVIDER: "anthropic" } }).model.provider).toBe("anthropic");
    expect(() => setDefaultModel({} as ChatModel)).toThrow(/ChatModel/);
  });

  it("reads process.env by default", () => {
    const saved = { provider: process.env.SLUICE_PROVIDER, key: process.env.ANTHROPIC_API_KEY };
    try {
      process.env.SLUICE_PROVIDER = "offline";
      expect(getDefaultModel().provider).toBe("offline");
    } finally {
      if (saved.provider === undefined) delete process.env.SLUICE_PROVIDER;
      else process.env.SLUICE_PROVIDER = saved.provider;
    }
  });
});

describe("the provider registry", () => {
  it("lists, replaces and removes registrations", () => {
    const first = registerProvider("custom", () => fakeModel("first"));
    expect(listProviders()).toEqual(["custom", "offline"]);
    const second = registerProvider("custom", () => fakeModel("second"));
    expect(getDefaultModel({ env: { SLUICE_PROVIDER: "custom" } }).provider).toBe("second");
    first(); // a stale unregister does not remove the newer factory
    expect(listProviders()).toContain("custom");
    second();
    expect(listProviders()).toEqual(["offline"]);
  });

  it("rejects bad names, bad factories and factories that return no model", () => {
    expect(() => registerProvider("Not OK", () => fakeModel("x"))).toThrow(/lower-case/);
    expect(() => registerProvider("ok", "nope" as unknown as ProviderFactory)).toThrow(/function/);
    register("broken", () => ({}) as ChatModel);
    expect(() => getDefaultModel({ env: { SLUICE_PROVIDER: "broken" } })).toThrow(
      /did not return a ChatModel/,
    );
  });

  it("is shared by every copy of the module", async () => {
    const copyUrl = "./default-model.js?copy";
    const copy = (await import(/* @vite-ignore */ copyUrl)) as typeof import("./default-model.js");
    cleanups.push(copy.registerProvider("anthropic", () => fakeModel("anthropic")));
    expect(getDefaultModel({ env: { ANTHROPIC_API_KEY: "sk" } }).provider).toBe("anthropic");
  });
});
