import { callLlm, listProviders, resetDefaultModel, resolveDefaultModel } from "@sluice/llm";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Importing the package is what registers the providers.
import { unregisterOpenAIProviders } from "./index.js";

const API_KEY = "sk-openai-register-test-0123456789";
const NAMES = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "SLUICE_PROVIDER", "SLUICE_MODEL", "ANTHROPIC_API_KEY"];

describe("registration with @sluice/llm's default model", () => {
  let emu: Emulator;
  const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: [API_KEY] });
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetDefaultModel();
    await emu.close();
  });

  it("adds openai and the local presets on import", () => {
    expect(listProviders()).toEqual(
      expect.arrayContaining(["openai", "ollama", "vllm", "llamacpp", "lmstudio"]),
    );
  });

  it("SLUICE_PROVIDER=openai reads OPENAI_API_KEY, OPENAI_BASE_URL and SLUICE_MODEL", () => {
    resetDefaultModel();
    const env = {
      SLUICE_PROVIDER: "openai",
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: `${emu.url}/v1`,
      SLUICE_MODEL: "gpt-emulated",
    };
    const { model, source } = resolveDefaultModel({ env });
    expect(source).toBe("SLUICE_PROVIDER");
    expect(model).toMatchObject({ provider: "openai", modelId: "gpt-emulated", baseURL: `${emu.url}/v1` });
  });

  it("SLUICE_PROVIDER=openai alone uses OpenAI's API and its default model", () => {
    resetDefaultModel();
    const { model } = resolveDefaultModel({ env: { SLUICE_PROVIDER: "openai", OPENAI_API_KEY: API_KEY } });
    expect(model).toMatchObject({ provider: "openai", baseURL: "https://api.openai.com/v1" });
  });

  it("SLUICE_PROVIDER=ollama with SLUICE_MODEL picks the Ollama preset", () => {
    resetDefaultModel();
    const { model } = resolveDefaultModel({ env: { SLUICE_PROVIDER: "ollama", SLUICE_MODEL: "llama3.2" } });
    expect(model).toMatchObject({
      provider: "ollama",
      modelId: "llama3.2",
      baseURL: "http://localhost:11434/v1",
    });
  });

  it("callLlm(prompt) answers through the OpenAI-compatible endpoint", async () => {
    resetDefaultModel();
    process.env.SLUICE_PROVIDER = "openai";
    process.env.OPENAI_API_KEY = API_KEY;
    process.env.OPENAI_BASE_URL = `${emu.url}/v1`;
    process.env.SLUICE_MODEL = "gpt-emulated";
    const text = await callLlm(
      "Summarize: The mill turned all night. Flour filled the sacks. The baker was pleased.",
    );
    expect(text.length).toBeGreaterThan(0);
    expect(emu.stats().requests).toBe(1);
  });

  it("unregisterOpenAIProviders removes them again", () => {
    unregisterOpenAIProviders();
    expect(listProviders()).not.toContain("openai");
    expect(listProviders()).not.toContain("ollama");
  });
});
