import { chat } from "@sluice/llm";
import { DEFAULT_ANTHROPIC_MODEL } from "@sluice/llm-anthropic";
import { describe, expect, it } from "vitest";
import { resolveOptions } from "./options.js";
import { ANTHROPIC_DEFAULT_MODEL, EMULATOR_SETTINGS, modelIdFor, openProvider } from "./providers.js";
import { RunStats } from "./stats.js";

const request = {
  messages: [{ role: "user" as const, content: "Summarize: Rivers flow. Seas are salty. Fish swim." }],
  maxTokens: 50,
};

describe("providers", () => {
  it("names the model before opening anything, in step with the adapter's default", () => {
    expect(ANTHROPIC_DEFAULT_MODEL).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(modelIdFor({ provider: "local", model: undefined })).toBe("offline-extractive");
    expect(modelIdFor({ provider: "emulator", model: "claude-haiku-5-5" })).toBe("claude-haiku-5-5");
  });

  it("local: the offline model behind a throttle, counted, free", async () => {
    const stats = new RunStats();
    const session = await openProvider(
      resolveOptions(["a"], { concurrency: "2" }, { cwd: "/", env: {} }),
      stats,
    );
    try {
      const response = await chat(request, { model: session.model });
      expect(response.text).toContain("Rivers flow.");
      expect(stats).toMatchObject({ attempts: 1, succeeded: 1 });
      expect(session.price(response.usage, response.model)).toBe(0);
      expect(session.limits()).toMatchObject({ concurrency: 2 });
    } finally {
      await session.close();
    }
  });

  it("emulator: starts one in-process, tells the throttle its limits in real time, reports them per provider minute", async () => {
    const stats = new RunStats();
    const options = resolveOptions(["a"], { provider: "emulator", timeScale: "10" }, { cwd: "/", env: {} });
    const session = await openProvider(options, stats);
    try {
      const response = await chat(request, { model: session.model });
      expect(response.text.length).toBeGreaterThan(0);
      expect(response.model).toBe(ANTHROPIC_DEFAULT_MODEL);
      expect(session.price(response.usage, response.model)).toBeGreaterThan(0);
      expect(session.emulator?.stats().byStatus[200]).toBe(1);
      // 50 requests per provider minute of 6 s: the throttle is told 500 per real minute, and the
      // bound reads them back per provider minute (a minute's burst is one provider minute's worth).
      expect(session.throttle?.stats().buckets.requests?.perMinute).toBe(
        EMULATOR_SETTINGS.limits.requestsPerMinute * 10,
      );
      expect(session.limits()).toMatchObject({
        concurrency: 8,
        requestsPerMinute: EMULATOR_SETTINGS.limits.requestsPerMinute,
        inputTokensPerMinute: EMULATOR_SETTINGS.limits.inputTokensPerMinute,
        minuteSeconds: 6,
      });
    } finally {
      await session.close();
    }
  });
});
