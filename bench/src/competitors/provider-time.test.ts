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
    // The bucket is full again 60 real seconds from now: 6,000 provider seconds. The real time that
    // passes until the check below shortens it (100 provider ms per real ms), so the check brackets
    // it with the real time measured around the call instead of expecting a fixed figure.
    const sentAt = Date.now();
    const resetAt = sentAt + 60_000;
    const reset = new Date(resetAt).toISOString();
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
      const checkedAt = Date.now();
      // 1 real ms of slack each way for the ISO string's whole milliseconds and the two clocks' ticks.
      expect(resetIn).toBeGreaterThanOrEqual((resetAt - checkedAt - 1) * 100);
      expect(resetIn).toBeLessThanOrEqual((resetAt - sentAt + 1) * 100);
      expect(await response.text()).toBe("{}");
    } finally {
      globalThis.fetch = original;
    }
  });
});
