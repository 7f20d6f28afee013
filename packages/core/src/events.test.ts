import { describe, expect, it } from "vitest";
import {
  Flow,
  Node,
  ParallelBatchFlow,
  ParallelBatchNode,
  type ProgressEvent,
  type SluiceEvent,
} from "./index.js";

describe("events", () => {
  it("open and close one span per visit, nested under the enclosing flow", async () => {
    class A extends Node {
      override async post(): Promise<string> {
        return "next";
      }
    }
    class B extends Node {}
    const a = new A();
    a.on("next", new B({ name: "Bee" }));
    const events: SluiceEvent[] = [];
    const action = await new Flow(a, { name: "Pipeline" }).run(
      {},
      { onEvent: (event) => events.push(event) },
    );

    expect(action).toBeUndefined();
    expect(events.map((event) => `${event.type} ${event.name}`)).toEqual([
      "flow:start Pipeline",
      "node:start A",
      "node:end A",
      "node:start Bee",
      "node:end Bee",
      "flow:end Pipeline",
    ]);
    const [flowStart, aStart, aEnd] = events;
    expect(flowStart?.parentSpanId).toBeUndefined();
    expect(aStart?.parentSpanId).toBe(flowStart?.spanId);
    expect(aEnd).toMatchObject({ spanId: aStart?.spanId, action: "next" });
    expect(new Set(events.map((event) => event.runId)).size).toBe(1);
    expect(events.every((event) => typeof event.time === "number")).toBe(true);
  });

  it("report the error on the end event of the node that failed", async () => {
    class Broken extends Node {
      override async exec(): Promise<void> {
        throw new Error("broken");
      }
    }
    const events: SluiceEvent[] = [];
    await expect(
      new Flow(new Broken()).run({}, { onEvent: (event) => events.push(event) }),
    ).rejects.toThrow();
    const ends = events.filter((event) => event.type === "node:end" || event.type === "flow:end");
    expect(ends.map((event) => "error" in event && (event.error as Error).message)).toEqual([
      "broken",
      "broken",
    ]);
  });

  it("count items done, failed and in flight, with the total when it is known", async () => {
    class Items extends ParallelBatchNode {
      override async prep(): Promise<number[]> {
        return [1, 2, 3, 4];
      }
      override async exec(item: number): Promise<number> {
        if (item === 3) throw new Error("three");
        return item;
      }
    }
    const progress: ProgressEvent[] = [];
    await new Items({ concurrency: 2, failFast: false }).run(
      {},
      { onEvent: (event) => event.type === "progress" && progress.push(event) },
    );
    const last = progress.at(-1);
    expect(last).toMatchObject({ done: 4, failed: 1, inFlight: 0, total: 4 });
    expect(Math.max(...progress.map((event) => event.inFlight))).toBe(2);
  });

  it("tag each batch-flow run's spans with its entry index", async () => {
    class Leaf extends Node {}
    class Entries extends ParallelBatchFlow {
      override async prep(): Promise<Record<string, any>[]> {
        return [{ id: "a" }, { id: "b" }];
      }
    }
    const events: SluiceEvent[] = [];
    await new Entries(new Leaf()).run({}, { onEvent: (event) => events.push(event) });
    const leafStarts = events.filter((event) => event.type === "node:start");
    expect(leafStarts.map((event) => event.item).sort()).toEqual([0, 1]);
  });

  it("a throwing listener does not break the run", async () => {
    const warnings: string[] = [];
    await expect(
      new Node().run(
        {},
        {
          onEvent: () => {
            throw new Error("listener bug");
          },
          logger: { warn: (message) => warnings.push(message) },
        },
      ),
    ).resolves.toBeUndefined();
    expect(warnings[0]).toMatch(/onEvent listener threw/);
  });
});
