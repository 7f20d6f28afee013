import { startEmulator } from "@sluice/llm-emulator";
import { describe, expect, it } from "vitest";
import { startLimitProxy } from "./proxy.js";

describe("startLimitProxy", () => {
  it("passes requests through and states the limit headers per real minute", async () => {
    const emulator = await startEmulator({ limits: { requestsPerMinute: 50 }, timeScale: 10 });
    const proxy = await startLimitProxy(emulator.url, 10);
    try {
      const response = await fetch(`${proxy.url}/v1/messages`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-api-key": "test",
          "anthropic-version": "2023-06-01",
        },
        body: JSON.stringify({
          model: "m",
          max_tokens: 20,
          messages: [{ role: "user", content: "Hello there." }],
        }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBe("500");
      expect(Math.floor(Number(response.headers.get("anthropic-ratelimit-requests-remaining")))).toBe(49);
      const body = (await response.json()) as { usage: { input_tokens: number } };
      expect(body.usage.input_tokens).toBeGreaterThan(0);
      expect(emulator.stats().admitted).toBe(1);
    } finally {
      await proxy.close();
      await emulator.close();
    }
  });
});
