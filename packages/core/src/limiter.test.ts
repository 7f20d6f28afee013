import { describe, expect, it } from "vitest";
import { type Limiter, type LimiterCost, Node, ParallelBatchNode } from "./index.js";

/** A real (if simple) limiter: a concurrency cap that records what it admitted. */
class CountingLimiter implements Limiter {
  admitted: (LimiterCost | undefined)[] = [];
  running = 0;
  maxRunning = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly cap: number) {}

  async run<T>(
    task: (context: { signal: AbortSignal }) => Promise<T>,
    options?: { signal?: AbortSignal; cost?: LimiterCost },
  ): Promise<T> {
    while (this.running >= this.cap) await new Promise<void>((resolve) => this.waiting.push(resolve));
    options?.signal?.throwIfAborted();
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.admitted.push(options?.cost);
    try {
      return await task({ signal: new AbortController().signal });
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

describe("limiter option", () => {
  it("admits every exec attempt through the limiter, with the cost of its item", async () => {
    const limiter = new CountingLimiter(2);
    class Texts extends ParallelBatchNode {
      override async prep(): Promise<string[]> {
        return ["a", "bb", "ccc", "dddd", "eeeee"];
      }
      override async exec(text: string): Promise<number> {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return text.length;
      }
    }
    const node = new Texts({
      limiter,
      cost: (text: string) => ({ inputTokens: text.length, outputTokens: 10 }),
    });
    await node.run({});
    expect(limiter.maxRunning).toBe(2);
    expect(limiter.admitted.map((cost) => cost?.inputTokens).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("sends each retry through admission again", async () => {
    const limiter = new CountingLimiter(1);
    class Flaky extends Node {
      override async exec(): Promise<string> {
        if (this.currentRetry < 2) throw new Error("again");
        return "ok";
      }
    }
    await new Flaky({ maxRetries: 3, limiter }).run({});
    expect(limiter.admitted).toHaveLength(3);
  });
});
