import { describe, expect, it } from "vitest";
import { providerClock, providerTimeFetch } from "./provider-time.js";

describe("provider time", () => {
  it("runs the clock k times faster and fires its timers k times sooner", async () => {
    const clock = providerClock(1_000);
    const before = clock.now();
    const fired = await new Promise<number>((resolve) => {
      clock.setTimer(() => resolve(clock.now()), 20_000); // 20 provider seconds: 20 real ms
    });
    expect(fired - before).toBeGreaterThanOrEqual(19_000);
  });

  it("restates retry-after and reset headers in provider time and leaves the rest alone", async () => {
    const clock = providerClock(100);
    const reset = new Date(Date.now() + 500).toISOString();
    const original = globalThis.fetch;
    globalThis.fetch = async () =>
      new Response("{}", {
        status: 429,
        headers: {
          "retry-after": "0.25",
          "anthropic-ratelimit-requests-reset": reset,
          "anthropic-ratelimit-requests-limit": "60",
        },
      });
    try {
      const response = await providerTimeFetch(100, clock)("http://127.0.0.1:1/v1/messages");
      expect(response.status).toBe(429);
      expect(Number(response.headers.get("retry-after"))).toBeCloseTo(25);
      expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBe("60");
      const resetIn = Date.parse(response.headers.get("anthropic-ratelimit-requests-reset")!) - clock.now();
      expect(resetIn).toBeGreaterThan(30_000);
      expect(resetIn).toBeLessThanOrEqual(50_000);
      expect(await response.text()).toBe("{}");
    } finally {
      globalThis.fetch = original;
    }
  });
});
