import { describe, expect, it } from "vitest";
import {
  BatchFlow,
  BatchNode,
  Flow,
  Node,
  ParallelBatchFlow,
  ParallelBatchNode,
  type Settled,
} from "./index.js";
import { deferred, flush } from "./testing/deferred.js";

type Shared = { items?: unknown; results?: unknown[]; [key: string]: unknown };

/** A parallel node whose items finish only when the test says so. */
function gatedNode(options: ConstructorParameters<typeof ParallelBatchNode>[0] = {}) {
  const gates = new Map<number, ReturnType<typeof deferred<number>>>();
  const started: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  class Gated extends ParallelBatchNode<Shared> {
    override async prep(shared: Shared): Promise<unknown> {
      return shared.items;
    }
    override async exec(item: number): Promise<number> {
      started.push(item);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const gate = deferred<number>();
      gates.set(item, gate);
      try {
        return await gate.promise;
      } finally {
        inFlight--;
      }
    }
    override async post(shared: Shared, _prep: unknown, results: unknown[]): Promise<undefined> {
      shared.results = results;
    }
  }
  return {
    node: new Gated(options),
    started,
    finish: (item: number, value = item * 10) => gates.get(item)?.resolve(value),
    fail: (item: number, error: unknown) => gates.get(item)?.reject(error),
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe("ParallelBatchNode concurrency", () => {
  it("runs all items at once by default (pocketflow compatible)", async () => {
    const gated = gatedNode();
    const run = gated.node.run({ items: [1, 2, 3, 4, 5] });
    await flush();
    expect(gated.started).toEqual([1, 2, 3, 4, 5]);
    for (const item of [5, 4, 3, 2, 1]) gated.finish(item);
    await run;
  });

  it("caps in-flight items as a sliding window, not in chunks", async () => {
    const gated = gatedNode({ concurrency: 2 });
    const shared: Shared = { items: [1, 2, 3, 4, 5] };
    const run = gated.node.run(shared);
    await flush();
    expect(gated.started).toEqual([1, 2]);
    gated.finish(2);
    await flush();
    // A chunked runner would wait for item 1 too; the window starts item 3 at once.
    expect(gated.started).toEqual([1, 2, 3]);
    gated.finish(3);
    await flush();
    expect(gated.started).toEqual([1, 2, 3, 4]);
    gated.finish(1);
    gated.finish(4);
    await flush();
    gated.finish(5);
    await run;
    expect(gated.maxInFlight).toBe(2);
    expect(shared.results).toEqual([10, 20, 30, 40, 50]);
  });

  it("keeps input order whatever order items finish in", async () => {
    class Jittery extends ParallelBatchNode<Shared> {
      override async prep(): Promise<number[]> {
        return Array.from({ length: 50 }, (_, i) => i);
      }
      override async exec(item: number): Promise<number> {
        await new Promise((resolve) => setTimeout(resolve, (item * 7) % 11));
        return item * 2;
      }
      override async post(shared: Shared, _p: unknown, results: number[]): Promise<undefined> {
        shared.results = results;
      }
    }
    const shared: Shared = {};
    await new Jittery({ concurrency: 7 }).run(shared);
    expect(shared.results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it("pulls a lazy source only as slots free up, so memory stays flat", async () => {
    let produced = 0;
    function* endlessish() {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield i;
      }
    }
    const gated = gatedNode({ concurrency: 3 });
    const run = gated.node.run({ items: endlessish() });
    await flush();
    expect(produced).toBe(3);
    gated.finish(0);
    await flush();
    expect(produced).toBe(4);
    gated.fail(1, new Error("stop"));
    await expect(run).rejects.toThrow("stop");
  });

  it("accepts async iterables, Sets and undefined", async () => {
    async function* numbers() {
      for (let i = 1; i <= 4; i++) {
        await flush();
        yield i;
      }
    }
    class Double extends ParallelBatchNode<Shared> {
      override async prep(shared: Shared): Promise<unknown> {
        return shared.items;
      }
      override async exec(item: number): Promise<number> {
        return item * 2;
      }
      override async post(shared: Shared, _p: unknown, results: number[]): Promise<undefined> {
        shared.results = results;
      }
    }
    for (const [items, expected] of [
      [numbers(), [2, 4, 6, 8]],
      [new Set([3, 1]), [6, 2]],
      [undefined, []],
      [null, []],
    ] as const) {
      const shared: Shared = { items };
      await new Double({ concurrency: 2 }).run(shared);
      expect(shared.results).toEqual(expected);
    }
  });
});

describe("failure handling", () => {
  it("fail-fast: the first failure rejects, siblings are aborted, no new item starts", async () => {
    const aborted: number[] = [];
    const started: number[] = [];
    const release = deferred();
    class Watcher extends ParallelBatchNode<Shared> {
      override async prep(): Promise<number[]> {
        return [1, 2, 3, 4, 5, 6];
      }
      override async exec(item: number): Promise<number> {
        started.push(item);
        this.signal.addEventListener("abort", () => aborted.push(item));
        if (item === 2) {
          await flush();
          throw new Error("item 2 broke");
        }
        await release.promise;
        return item;
      }
    }
    await expect(new Watcher({ concurrency: 3 }).run({})).rejects.toThrow("item 2 broke");
    expect(started).toEqual([1, 2, 3]);
    expect(aborted.sort()).toEqual([1, 3]);
    release.resolve();
  });

  it("failFast: false runs every item and hands post one settled outcome per item", async () => {
    class Mixed extends ParallelBatchNode<Shared> {
      override async prep(): Promise<number[]> {
        return [1, 2, 3, 4];
      }
      override async exec(item: number): Promise<number> {
        if (item % 2 === 0) throw new Error(`even ${item}`);
        return item;
      }
      override async post(shared: Shared, _p: unknown, outcomes: Settled<number>[]): Promise<undefined> {
        shared.results = outcomes.map((o) =>
          o.status === "fulfilled" ? o.value : (o.reason as Error).message,
        );
      }
    }
    const shared: Shared = {};
    await new Mixed({ failFast: false, concurrency: 2 }).run(shared);
    expect(shared.results).toEqual([1, "even 2", 3, "even 4"]);
  });

  it("a fallback's value counts as success, per item", async () => {
    class Recovering extends ParallelBatchNode<Shared> {
      override async prep(): Promise<number[]> {
        return [1, 2, 3];
      }
      override async exec(item: number): Promise<number> {
        if (item === 2) throw new Error("no");
        return item;
      }
      override async execFallback(): Promise<number> {
        return -1;
      }
      override async post(shared: Shared, _p: unknown, results: number[]): Promise<undefined> {
        shared.results = results;
      }
    }
    const shared: Shared = {};
    await new Recovering().run(shared);
    expect(shared.results).toEqual([1, -1, 3]);
  });

  it("a sequential BatchNode stops at the first failure and settles every item without fail-fast", async () => {
    const seen: number[] = [];
    class Seq extends BatchNode<Shared> {
      override async prep(): Promise<number[]> {
        return [1, 2, 3];
      }
      override async exec(item: number): Promise<number> {
        seen.push(item);
        if (item === 2) throw new Error("two");
        return item;
      }
      override async post(shared: Shared, _p: unknown, results: unknown[]): Promise<undefined> {
        shared.results = results;
      }
    }
    await expect(new Seq().run({})).rejects.toThrow("two");
    expect(seen).toEqual([1, 2]);
    const shared: Shared = {};
    await new Seq({ failFast: false }).run(shared);
    expect(shared.results).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: new Error("two") },
      { status: "fulfilled", value: 3 },
    ]);
  });
});

describe("batch flows", () => {
  type FileShared = { files: string[]; done: string[]; inFlight: number; maxInFlight: number };
  class Load extends Node<FileShared> {
    override async prep(shared: FileShared): Promise<string> {
      shared.inFlight++;
      shared.maxInFlight = Math.max(shared.maxInFlight, shared.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return String(this._params.filename);
    }
    override async post(shared: FileShared, filename: string): Promise<string> {
      shared.inFlight--;
      shared.done.push(filename);
      return filename.startsWith("bad") ? "rejected" : "summarized";
    }
  }
  class Files extends ParallelBatchFlow<FileShared> {
    override async prep(shared: FileShared): Promise<Record<string, any>[]> {
      return shared.files.map((filename) => ({ filename }));
    }
    override async post(shared: FileShared, _p: unknown, actions: unknown): Promise<string> {
      (shared as unknown as Shared).actions = actions;
      return "all done";
    }
  }

  it("ParallelBatchFlow caps concurrent sub-flow runs and collects each run's last action", async () => {
    const shared: FileShared = { files: ["a", "bad", "c", "d", "e"], done: [], inFlight: 0, maxInFlight: 0 };
    const action = await new Files(new Flow(new Load()), { concurrency: 2 }).run(shared);
    expect(action).toBe("all done");
    expect(shared.maxInFlight).toBe(2);
    expect(shared.done.sort()).toEqual(["a", "bad", "c", "d", "e"]);
    expect((shared as unknown as Shared).actions).toEqual([
      "summarized",
      "rejected",
      "summarized",
      "summarized",
      "summarized",
    ]);
  });

  it("BatchFlow merges flow params under each entry and treats an undefined prep as empty", async () => {
    const seen: unknown[] = [];
    class Echo extends Node<Shared> {
      override async prep(): Promise<void> {
        seen.push({ ...this._params });
      }
    }
    class Entries extends BatchFlow<Shared> {
      override async prep(shared: Shared): Promise<Record<string, any>[] | undefined> {
        return shared.items as Record<string, any>[] | undefined;
      }
    }
    const flow = new Entries(new Echo()).setParams({ model: "m", key: "flow" });
    await flow.run({ items: [{ key: "a" }, { key: "b", extra: 1 }] });
    expect(seen).toEqual([
      { model: "m", key: "a" },
      { model: "m", key: "b", extra: 1 },
    ]);
    await expect(flow.run({})).resolves.toBeUndefined();
  });

  it("a ParallelBatchFlow whose entry fails rejects with that error and aborts the other runs", async () => {
    const siblingSignals: AbortSignal[] = [];
    class Slow extends Node<Shared> {
      override async exec(): Promise<void> {
        if (this._params.fail) throw new Error("entry failed");
        siblingSignals.push(this.signal);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    class Entries extends ParallelBatchFlow<Shared> {
      override async prep(): Promise<Record<string, any>[]> {
        return [{ fail: false }, { fail: true }, { fail: false }];
      }
    }
    await expect(new Entries(new Slow()).run({})).rejects.toThrow("entry failed");
    expect(siblingSignals).toHaveLength(2);
    expect(siblingSignals.every((signal) => signal.aborted)).toBe(true);
  });
});

describe("per-item view", () => {
  it("getters defined on a subclass read the item's own state", async () => {
    const seen: string[] = [];
    class Attempts extends ParallelBatchNode<Shared> {
      get attempt(): number {
        return this.currentRetry + 1;
      }
      override async prep(): Promise<string[]> {
        return ["a", "b"];
      }
      override async exec(item: string): Promise<string> {
        await flush();
        seen.push(`${item}:${this.attempt}:${this.currentRetry + 1}`);
        if (item === "a" && this.attempt < 3) throw new Error("again");
        return item;
      }
    }
    await new Attempts({ maxRetries: 3 }).run({});
    expect(seen.sort()).toEqual(["a:1:1", "a:2:2", "a:3:3", "b:1:1"]);
  });
});

describe("results", () => {
  class Double extends ParallelBatchNode<Shared> {
    override async prep(shared: Shared): Promise<unknown> {
      return shared.items;
    }
    override async exec(item: number): Promise<number> {
      return item * 2;
    }
    override async post(shared: Shared, _items: unknown, results: unknown[]): Promise<undefined> {
      shared.results = results;
    }
  }

  it("keep input order across many chunks of a generator's items", async () => {
    const count = 70_000; // more than two of the 32,768-slot chunks
    const shared: Shared = {
      items: (function* () {
        for (let index = 0; index < count; index++) yield index;
      })(),
    };
    await new Double({ concurrency: 7 }).run(shared);
    expect(shared.results).toHaveLength(count);
    expect((shared.results as number[]).every((value, index) => value === index * 2)).toBe(true);
  });

  it("have one slot per item actually yielded, even when the source's length said more", async () => {
    const liar = {
      length: 10,
      *[Symbol.iterator]() {
        yield 1;
        yield 2;
        yield 3;
      },
    };
    const shared: Shared = { items: liar };
    await new Double().run(shared);
    expect(shared.results).toEqual([2, 4, 6]);
  });
});
