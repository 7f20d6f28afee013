// @sluice/throttle must satisfy @sluice/core's Limiter structurally (core does not depend on it, nor
// it on core). These interfaces are copied verbatim from packages/core/src/limiter.ts.
import { describe, expect, expectTypeOf, it } from "vitest";
import { Throttle } from "./index.js";
import { virtualThrottle } from "./testing/virtual-time.js";

interface Limiter {
  run<T>(task: (context: LimiterTaskContext) => Promise<T>, options?: LimiterRunOptions): Promise<T>;
}
interface LimiterTaskContext {
  readonly signal: AbortSignal;
}
interface LimiterCost {
  readonly requests?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly [dimension: string]: number | undefined;
}
interface LimiterRunOptions {
  readonly signal?: AbortSignal;
  readonly cost?: LimiterCost;
}

describe("core's Limiter contract", () => {
  it("is met by Throttle's type", () => {
    expectTypeOf<Throttle>().toExtend<Limiter>();
    const limiter: Limiter = new Throttle({ concurrency: 2 });
    expect(typeof limiter.run).toBe("function");
  });

  it("runs a task the way core's nodes call it: signal in, cost as LimiterCost, result out", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 1, inputTokensPerMinute: 60_000 });
    const limiter: Limiter = throttle;
    const controller = new AbortController();
    const cost: LimiterCost = { inputTokens: 500, outputTokens: 100 };
    const seen: AbortSignal[] = [];
    const result = limiter.run(
      async ({ signal }) => {
        seen.push(signal);
        return "summary";
      },
      { signal: controller.signal, cost },
    );
    await clock.advance(1_000);
    expect(await result).toBe("summary");
    expect(seen[0]).toBe(controller.signal);
  });

  it("hands a task without a signal of its own a signal that never fires", async () => {
    const { throttle } = virtualThrottle();
    const signal = await throttle.run(async ({ signal }) => signal);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
  });
});
