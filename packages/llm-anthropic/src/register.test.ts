import { callLlm, listProviders, resetDefaultModel, resolveDefaultModel } from "@sluice/llm";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Importing the package is what registers the provider.
import "./index.js";

const API_KEY = "sk-ant-register-test-0123456789";

describe("registration with @sluice/llm's default model", () => {
  let emu: Emulator;
  const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
  beforeAll(async () => {
    emu = await startEmulator({ apiKeys: [API_KEY] });
  });
  afterAll(async () => {
    for (const [name, value] of [
      ["ANTHROPIC_API_KEY", saved.key],
      ["ANTHROPIC_BASE_URL", saved.url],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetDefaultModel();
    await emu.close();
  });

  it("adds the anthropic provider on import", () => {
    expect(listProviders()).toContain("anthropic");
  });

  it("is chosen from an environment with ANTHROPIC_API_KEY, with SLUICE_MODEL as the model id", () => {
    resetDefaultModel();
    const env = { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: emu.url, SLUICE_MODEL: "claude-haiku-5-5" };
    const { model, source } = resolveDefaultModel({ env });
    expect(source).toBe("ANTHROPIC_API_KEY");
    expect(model.provider).toBe("anthropic");
    expect(model.modelId).toBe("claude-haiku-5-5");
  });

  it("callLlm(prompt) answers through Anthropic once the key is set", async () => {
    resetDefaultModel();
    process.env.ANTHROPIC_API_KEY = API_KEY;
    process.env.ANTHROPIC_BASE_URL = emu.url;
    const text = await callLlm(
      "Summarize: The mill turned all night. Flour filled the sacks. The baker was pleased.",
    );
    expect(text.length).toBeGreaterThan(0);
    expect(emu.stats().requests).toBe(1);
  });
});
