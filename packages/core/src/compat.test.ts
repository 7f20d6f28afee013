// pocketflow 1.0.4 behaviours that Sluice keeps, and the defects of the reference it fixes.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BaseNode,
  BatchFlow,
  BatchNode,
  Flow,
  InvalidArgumentError,
  Node,
  ParallelBatchNode,
  setDefaultLogger,
} from "./index.js";

type Shared = { log: string[]; value?: number; [key: string]: unknown };

class Record_ extends Node<Shared> {
  constructor(
    private readonly label: string,
    private readonly action?: string,
  ) {
    super();
  }
  override async post(shared: Shared): Promise<string | undefined> {
    shared.log.push(this.label);
    return this.action;
  }
}

let warnings: string[];
beforeEach(() => {
  warnings = [];
  setDefaultLogger({ warn: (message) => warnings.push(message) });
});
afterEach(() => setDefaultLogger({ warn: (message) => console.warn(message) }));

describe("graph wiring", () => {
  it("next() returns its target so chains read left to right; on() returns the node to fan out", () => {
    const a = new Record_("a");
    const b = new Record_("b");
    const c = new Record_("c");
    expect(a.next(b)).toBe(b);
    expect(b.on("x", c).on("y", a)).toBe(b);
    expect(b.getNextNode("x")).toBe(c);
    expect(a.getNextNode()).toBe(b);
    expect(a.getNextNode("")).toBe(b);
    expect(a.getNextNode(null)).toBe(b);
  });

  it("next(node, action) connects a named action too, as older pocketflow code does", async () => {
    const shared: Shared = { log: [] };
    const check = new Record_("check", "positive");
    check.next(new Record_("pos"), "positive");
    await new Flow(check).run(shared);
    expect(shared.log).toEqual(["check", "pos"]);
  });

  it("rejects a non-node successor with an error that says what to pass", () => {
    const a = new Record_("a");
    expect(() => a.next(Record_ as never)).toThrow(/Did you pass the class instead of an instance/);
    expect(() => a.on("x", {} as never)).toThrow(InvalidArgumentError);
    expect(() => new Flow(undefined as never)).toThrow(/needs the node to start from/);
  });

  it("warns when a successor is overwritten and when run() is called on a wired node", async () => {
    const a = new Record_("a");
    a.next(new Record_("b"));
    a.next(new Record_("c"));
    await a.run({ log: [] });
    expect(warnings).toEqual([
      "Overwriting successor for action 'default'",
      "Node won't run successors. Use Flow.",
    ]);
  });
});

describe("flows", () => {
  it("run one visit per node along the actions and resolve to the last action", async () => {
    const shared: Shared = { log: [] };
    const a = new Record_("a", "go");
    const b = new Record_("b");
    a.on("go", b);
    b.next(new Record_("c", "done"));
    await expect(new Flow(a).run(shared)).resolves.toBe("done");
    expect(shared.log).toEqual(["a", "b", "c"]);
  });

  it("let an outer flow branch on how an inner flow ended (pocketflow resolves undefined)", async () => {
    const shared: Shared = { log: [] };
    const inner = new Flow(new Record_("inner", "fail"));
    inner.on("fail", new Record_("handler"));
    inner.next(new Record_("happy path"));
    await new Flow(inner).run(shared);
    expect(shared.log).toEqual(["inner", "handler"]);
  });

  it("end quietly when a loop exits by returning no action (the default has no successor)", async () => {
    class Countdown extends Node<Shared> {
      override async post(shared: Shared): Promise<string | undefined> {
        shared.value = (shared.value ?? 3) - 1;
        return shared.value > 0 ? "again" : undefined;
      }
    }
    const loop = new Countdown();
    loop.on("again", loop);
    await expect(new Flow(loop).run({ log: [] })).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("warn as pocketflow 1.0.4 does when a node with successors returns an action none handles", async () => {
    class Misspelt extends Node<Shared> {
      override async post(): Promise<string> {
        return "sumarize";
      }
    }
    const first = new Misspelt();
    const summarize = new Record_("summarize");
    first.on("summarize", summarize);
    await expect(new Flow(first).run({ log: [] })).resolves.toBe("sumarize");
    expect(warnings).toEqual(["Flow ends: 'sumarize' not found in [summarize]"]);
  });

  it("clone each node per visit: primitive fields reset, objects are shared", async () => {
    class Counter extends Node<Shared> {
      visits = 0;
      seen: number[] = [];
      override async post(shared: Shared): Promise<string | undefined> {
        this.visits++;
        this.seen.push(this.visits);
        shared.value = (shared.value ?? 0) + 1;
        return shared.value < 3 ? "again" : undefined;
      }
    }
    const counter = new Counter();
    counter.on("again", counter);
    await new Flow(counter).run({ log: [] });
    expect(counter.visits).toBe(0);
    expect(counter.seen).toEqual([1, 1, 1]);
  });

  it("set the flow's params on every node, replacing (not merging) what the node had", async () => {
    const seen: unknown[] = [];
    class Reader extends Node<Shared> {
      override async prep(): Promise<void> {
        seen.push(this._params);
      }
    }
    const reader = new Reader().setParams({ own: 1 });
    const flow = new Flow<Shared>(reader).setParams({ fromFlow: 2 });
    await flow.run({ log: [] });
    expect(seen).toEqual([{ fromFlow: 2 }]);
  });

  it("accept an interface as the params type", async () => {
    interface FileParams {
      filename: string;
    }
    class Load extends Node<Shared, FileParams> {
      override async prep(shared: Shared): Promise<void> {
        shared.log.push(this._params.filename);
      }
    }
    class Files extends BatchFlow<Shared, FileParams> {
      override async prep(): Promise<FileParams[]> {
        return [{ filename: "a" }, { filename: "b" }];
      }
    }
    const shared: Shared = { log: [] };
    await new Files(new Load()).run(shared);
    expect(shared.log).toEqual(["a", "b"]);
  });
});

describe("retries and fallback", () => {
  it("count attempts in maxRetries and expose a 0-based currentRetry", async () => {
    const attempts: number[] = [];
    class Flaky extends Node<Shared> {
      override async exec(): Promise<string> {
        attempts.push(this.currentRetry);
        if (this.currentRetry < 2) throw new Error("not yet");
        return "ok";
      }
      override async post(shared: Shared, _p: unknown, result: string): Promise<undefined> {
        shared.log.push(result);
      }
    }
    const shared: Shared = { log: [] };
    await new Flaky(3).run(shared);
    expect(attempts).toEqual([0, 1, 2]);
    expect(shared.log).toEqual(["ok"]);
  });

  it("wait is in seconds between attempts", async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      class Flaky extends Node<Shared> {
        override async exec(): Promise<string> {
          if (++calls === 1) throw new Error("once");
          return "ok";
        }
      }
      const running = new Flaky(2, 1.5).run({ log: [] });
      await vi.advanceTimersByTimeAsync(1499);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await running;
      expect(calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("call execFallback after the last attempt; an instance can assign its own and it survives cloning", async () => {
    class Failing extends Node<Shared> {
      override async exec(): Promise<string> {
        throw new Error("boom");
      }
      override async post(shared: Shared, _p: unknown, result: string): Promise<undefined> {
        shared.log.push(result);
      }
    }
    const node = new Failing(2);
    node.execFallback = async (_prep: unknown, error: Error) => `fallback after ${error.message}`;
    const shared: Shared = { log: [] };
    await new Flow(node).run(shared);
    expect(shared.log).toEqual(["fallback after boom"]);
    await expect(new Failing().run({ log: [] })).rejects.toThrow("boom");
  });

  it("keep currentRetry right for each of many concurrent items (pocketflow shares one counter)", async () => {
    const fellBack: string[] = [];
    class ThirdTime extends ParallelBatchNode<Shared> {
      override async prep(): Promise<string[]> {
        return ["a", "b", "c", "d", "e"];
      }
      override async exec(item: string): Promise<string> {
        await new Promise((resolve) => setTimeout(resolve, item.charCodeAt(0) % 3));
        if (this.currentRetry < 2) throw new Error(`${item} attempt ${this.currentRetry}`);
        return item;
      }
      override async execFallback(item: string): Promise<string> {
        fellBack.push(item);
        return "fallback";
      }
      override async post(shared: Shared, _p: unknown, results: string[]): Promise<undefined> {
        shared.log.push(...results);
      }
    }
    const shared: Shared = { log: [] };
    await new ThirdTime(3).run(shared);
    expect(fellBack).toEqual([]);
    expect(shared.log).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("argument checks (pocketflow silently misbehaves)", () => {
  it.each([
    [() => new Node(0), /maxRetries must be a whole number/],
    [() => new Node(1.5), /maxRetries must be a whole number/],
    [() => new Node(1, -1), /wait is in seconds/],
    [() => new Node({ timeout: 0 }), /timeout is in ms/],
    [() => new ParallelBatchNode({ concurrency: 0 }), /concurrency must be a whole number/],
    [() => new Node({ limiter: {} as never }), /limiter must have a run/],
    [() => new Node({ backoff: { multiplier: 0.5 } }), /backoff.multiplier/],
    [() => new Flow(new Node(), { maxSteps: 0 }), /maxSteps/],
    [() => new BatchNode({ failFast: "yes" as never }), /failFast must be true or false/],
  ])("%#: rejects a bad option with a clear message", (build, message) => {
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
  });

  it("rejects a batch prep that returns something that is not a collection", async () => {
    class Bad extends BatchNode<Shared> {
      override async prep(): Promise<unknown> {
        return 42;
      }
    }
    class Text extends BatchNode<Shared> {
      override async prep(): Promise<unknown> {
        return "one long text";
      }
    }
    await expect(new Bad().run({ log: [] })).rejects.toThrow(/Bad.prep returned a number \(42\)/);
    await expect(new Text().run({ log: [] })).rejects.toThrow(/Return an array \(e.g. \[text\]\)/);
  });

  it("the error carries a stable code", () => {
    try {
      new Node(0);
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidArgumentError).code).toBe("invalid_argument");
    }
  });
});

describe("logger", () => {
  it("can be silenced per run or globally", async () => {
    const wired = new Record_("a");
    wired.next(new Record_("b"));
    await wired.run({ log: [] }, { logger: null });
    expect(warnings).toEqual([]);
    setDefaultLogger(null);
    await wired.run({ log: [] });
    expect(warnings).toEqual([]);
  });

  it("a Flow is a node: BaseNode subclasses with method-style hooks compile and run", async () => {
    class Plain extends BaseNode<Shared> {
      override async prep(shared: Shared): Promise<void> {
        shared.log.push("plain");
      }
    }
    const shared: Shared = { log: [] };
    await new Flow(new Flow(new Plain())).run(shared);
    expect(shared.log).toEqual(["plain"]);
  });
});
