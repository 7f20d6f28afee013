import { describe, expect, it } from "vitest";
import { MemoryStore, type Throttle } from "./index.js";
import { deferred, FakeProviderError, flush, outcome, virtualThrottle } from "./testing/virtual-time.js";

// When headers set a bucket's level, the provider's figure already counts the attempts it has seen
// at what it charged them; their own usage reports must not correct the bucket a second time.
const inputHeaders = (remaining: number) => ({
  "anthropic-ratelimit-input-tokens-limit": "60000",
  "anthropic-ratelimit-input-tokens-remaining": String(remaining),
  "anthropic-ratelimit-input-tokens-reset": new Date(60_000).toISOString(),
});

/** An attempt that stays running until released, and reports usage when the test says so. */
function running(throttle: Throttle, cost: Record<string, number>) {
  const gate = deferred();
  let report: ((usage: Record<string, number>) => void) | undefined;
  const done = throttle.run(
    async ({ reportUsage }) => {
      report = reportUsage;
      await gate.promise;
    },
    { cost },
  );
  return {
    report: (usage: Record<string, number>) => report!(usage),
    release: () => {
      gate.resolve();
      return done;
    },
  };
}

describe("usage reports after the headers set the level", () => {
  it("a lowering counts the running attempts: their input refund is not given back again", async () => {
    const { throttle } = virtualThrottle({
      inputTokensPerMinute: 60_000,
      burstSeconds: 60,
      spendRemaining: false,
    });
    const first = running(throttle, { inputTokens: 10_000 });
    const answering = throttle.run(
      async ({ reportUsage }) => {
        reportUsage({ inputTokens: 8_000 }); // estimated 10,000, charged 8,000
        // 60,000 − 10,000 − 8,000 = 42,000 here; the provider saw 12,000 more used (another process).
        throttle.observe({ status: 200, headers: inputHeaders(30_000) });
      },
      { cost: { inputTokens: 10_000 } },
    );
    await answering;
    expect(throttle.stats().buckets.inputTokens!.level).toBe(30_000);
    // The first attempt's 8,000 are inside the provider's 30,000: its 2,000 refund is not due again.
    first.report({ inputTokens: 8_000 });
    expect(throttle.stats().buckets.inputTokens!.level).toBe(30_000);
    // The totals still say what each attempt really used.
    expect(throttle.stats().charged.inputTokens).toBe(16_000);
    await first.release();
  });

  it("a raise counts only the attempts admitted before the answering one", async () => {
    // A 1 s burst (1,000 tokens): the provider's remaining raises the level far beyond it.
    const { throttle } = virtualThrottle({ inputTokensPerMinute: 60_000 });
    const earlier = [300, 100].map((inputTokens) => running(throttle, { inputTokens }));
    // Admitted third: the two before it (300, 100) are in the provider's figure, the later one (200) not.
    const answering = throttle.run(
      async ({ reportUsage }) => {
        await flush();
        reportUsage({ requests: 1, inputTokens: 100, outputTokens: 0 });
        throw new FakeProviderError({
          status: 529,
          errorType: "overloaded_error",
          headers: inputHeaders(20_000),
        });
      },
      { cost: { inputTokens: 100 } },
    );
    const late = running(throttle, { inputTokens: 200 });
    expect((await outcome(answering)).ok).toBe(false);
    const raised = throttle.stats().buckets.inputTokens!.level;
    // 20,000 rounded (at least 19,500), less what was admitted since the answering attempt started.
    expect(raised).toBe(19_500 - 100 - 200);
    earlier[0]!.report({ inputTokens: 200 }); // counted by the provider: no refund
    expect(throttle.stats().buckets.inputTokens!.level).toBe(raised);
    late.report({ inputTokens: 150 }); // admitted after: not in the figure, its refund is due
    expect(throttle.stats().buckets.inputTokens!.level).toBe(raised + 50);
    await Promise.all([...earlier, late].map((attempt) => attempt.release()));
  });

  it("output reservations are still refunded: the provider gives them back only when the call ends", async () => {
    const { throttle } = virtualThrottle({
      outputTokensPerMinute: 60_000,
      burstSeconds: 60,
      spendRemaining: false,
    });
    const first = running(throttle, { outputTokens: 2_000 });
    await throttle.run(
      async () => {
        throttle.observe({
          status: 200,
          headers: {
            "anthropic-ratelimit-output-tokens-limit": "60000",
            "anthropic-ratelimit-output-tokens-remaining": "50000",
          },
        });
      },
      { cost: { outputTokens: 2_000 } },
    );
    expect(throttle.stats().buckets.outputTokens!.level).toBe(50_000);
    first.report({ outputTokens: 500 });
    expect(throttle.stats().buckets.outputTokens!.level).toBe(51_500);
    await first.release();
  });

  it("a store that says its level is not the provider's figure (shared) still gets the refund", async () => {
    // As a store shared by several processes answers: one response's figure does not set the shared level.
    class SharedLike extends MemoryStore {
      override lowerTo(slot: number, level: number, now: number): boolean {
        super.lowerTo(slot, level, now);
        return false;
      }
    }
    const { throttle } = virtualThrottle({
      inputTokensPerMinute: 60_000,
      burstSeconds: 60,
      spendRemaining: false,
      store: new SharedLike(),
    });
    const first = running(throttle, { inputTokens: 10_000 });
    await throttle.run(
      async ({ reportUsage }) => {
        reportUsage({ inputTokens: 8_000 });
        throttle.observe({ status: 200, headers: inputHeaders(30_000) });
      },
      { cost: { inputTokens: 10_000 } },
    );
    expect(throttle.stats().buckets.inputTokens!.level).toBe(30_000);
    first.report({ inputTokens: 8_000 });
    expect(throttle.stats().buckets.inputTokens!.level).toBe(32_000);
    await first.release();
  });
});
