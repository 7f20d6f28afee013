import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { ExecTimeoutError, Flow, Node, ParallelBatchNode } from "./index.js";
import { deferred, flush } from "./testing/deferred.js";

type Shared = { results?: unknown[]; log?: string[] };

describe("cancellation", () => {
  it("aborting a run rejects promptly with the signal's reason even if exec ignores the signal", async () => {
    const never = deferred<string>();
    class Stubborn extends Node<Shared> {
      override async exec(): Promise<string> {
        return never.promise;
      }
    }
    const controller = new AbortController();
    const run = new Flow(new Stubborn()).run({}, { signal: controller.signal });
    await flush();
    const reason = new Error("user pressed Ctrl-C");
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
  });

  it("this.signal fires inside exec of every in-flight item, and queued items never start", async () => {
    const started: number[] = [];
    const abortedItems: number[] = [];
    class Listening extends ParallelBatchNode<Shared> {
      override async prep(): Promise<number[]> {
        return [1, 2, 3, 4, 5];
      }
      override exec(item: number): Promise<number> {
        started.push(item);
        return new Promise((_resolve, reject) => {
          this.signal.addEventListener("abort", () => {
            abortedItems.push(item);
            reject(this.signal.reason);
          });
        });
      }
    }
    const controller = new AbortController();
    const run = new Listening({ concurrency: 2 }).run({}, { signal: controller.signal });
    await flush();
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    await flush();
    expect(started).toEqual([1, 2]);
    expect(abortedItems).toEqual([1, 2]);
  });

  it("an already-aborted signal stops the run before any hook runs", async () => {
    const ran: string[] = [];
    class Tracked extends Node<Shared> {
      override async prep(): Promise<void> {
        ran.push("prep");
      }
    }
    await expect(new Tracked().run({}, { signal: AbortSignal.abort(new Error("too late")) })).rejects.toThrow(
      "too late",
    );
    await flush();
    expect(ran.length).toBeLessThanOrEqual(1);
  });

  it("a cancelled run does not retry or fall back", async () => {
    let attempts = 0;
    let fellBack = false;
    class Retrying extends Node<Shared> {
      override async exec(): Promise<void> {
        attempts++;
        await new Promise((_resolve, reject) =>
          this.signal.addEventListener("abort", () => reject(new Error("cut"))),
        );
      }
      override async execFallback(): Promise<void> {
        fellBack = true;
      }
    }
    const controller = new AbortController();
    const run = new Retrying({ maxRetries: 5 }).run({}, { signal: controller.signal });
    await flush();
    controller.abort(new Error("stop"));
    await expect(run).rejects.toThrow("stop");
    await flush();
    expect(attempts).toBe(1);
    expect(fellBack).toBe(false);
  });

  it("stops a flow between nodes once cancelled", async () => {
    const controller = new AbortController();
    const shared: Shared = { log: [] };
    class First extends Node<Shared> {
      override async post(s: Shared): Promise<undefined> {
        s.log?.push("first");
        controller.abort(new Error("enough"));
      }
    }
    class Second extends Node<Shared> {
      override async post(s: Shared): Promise<undefined> {
        s.log?.push("second");
      }
    }
    const first = new First();
    first.next(new Second());
    await expect(new Flow(first).run(shared, { signal: controller.signal })).rejects.toThrow("enough");
    expect(shared.log).toEqual(["first"]);
  });
});

describe("timeouts", () => {
  it("a timed-out attempt fails with ExecTimeoutError, fires this.signal, and is retried", async () => {
    const seenSignals: AbortSignal[] = [];
    class SlowFirst extends Node<Shared> {
      override async exec(): Promise<string> {
        seenSignals.push(this.signal);
        if (this.currentRetry === 0) await new Promise(() => {});
        return "second attempt";
      }
      override async post(shared: Shared, _p: unknown, result: string): Promise<undefined> {
        shared.results = [result];
      }
    }
    const shared: Shared = {};
    await new SlowFirst({ maxRetries: 2, timeout: 30 }).run(shared);
    expect(shared.results).toEqual(["second attempt"]);
    expect(seenSignals[0]?.aborted).toBe(true);
    expect(seenSignals[0]?.reason).toBeInstanceOf(ExecTimeoutError);
    expect(seenSignals[1]?.aborted).toBe(false);
  });

  it("after the last timed-out attempt the fallback receives the ExecTimeoutError", async () => {
    class Hangs extends Node<Shared> {
      override async exec(): Promise<string> {
        return new Promise(() => {});
      }
      override async execFallback(_prep: unknown, error: Error): Promise<string> {
        return `${(error as ExecTimeoutError).code} after ${(error as ExecTimeoutError).timeoutMs} ms`;
      }
      override async post(shared: Shared, _p: unknown, result: string): Promise<undefined> {
        shared.results = [result];
      }
    }
    const shared: Shared = {};
    await new Hangs({ timeout: 20 }).run(shared);
    expect(shared.results).toEqual(["exec_timeout after 20 ms"]);
  });

  it("the timeout of one parallel item does not touch its siblings", async () => {
    class OneHangs extends ParallelBatchNode<Shared> {
      override async prep(): Promise<number[]> {
        return [1, 2, 3];
      }
      override async exec(item: number): Promise<number> {
        if (item === 2) return new Promise(() => {});
        await new Promise((resolve) => setTimeout(resolve, 5));
        return item;
      }
      override async post(shared: Shared, _p: unknown, outcomes: unknown[]): Promise<undefined> {
        shared.results = outcomes.map((o) => (o as PromiseSettledResult<number>).status);
      }
    }
    const shared: Shared = {};
    await new OneHangs({ timeout: 200, failFast: false }).run(shared);
    expect(shared.results).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });
});

describe("signals", () => {
  it("a run's this.signal is the caller's own signal: 200,000 runs on one signal allocate none", async () => {
    const seen: AbortSignal[] = [];
    class Reads extends Node {
      override async exec(): Promise<void> {
        seen.push(this.signal, this.signal);
      }
    }
    const controller = new AbortController();
    const node = new Reads();
    for (let run = 0; run < 200_000; run++) await node.run({}, { signal: controller.signal });
    expect(new Set(seen)).toEqual(new Set([controller.signal]));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);

    // Without one, each run has a signal of its own (one object within the run), so listeners
    // that user code leaves on it die with the run.
    seen.length = 0;
    await node.run({});
    await node.run({});
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).toBe(seen[3]);
    expect(seen[0]).not.toBe(seen[2]);
    expect(seen[0]?.aborted).toBe(false);
  });
});
