import { Flow, Node, ParallelBatchNode } from "pocketflow";
import { batchItems, type CoreCase, type CoreSample, timed } from "./case.js";

interface Shared {
  steps: number;
  limit: number;
  items: Iterable<number>;
  results: number;
}

class Step extends Node<Shared> {
  override async exec(): Promise<number> {
    return 1;
  }
  override async post(shared: Shared): Promise<string> {
    shared.steps++;
    return shared.steps < shared.limit ? "loop" : "done";
  }
}

class Finish extends Node<Shared> {}

class Increment extends ParallelBatchNode<Shared> {
  override async prep(shared: Shared): Promise<unknown> {
    return shared.items;
  }
  override async exec(item: unknown): Promise<number> {
    return (item as number) + 1;
  }
  override async post(shared: Shared, _items: unknown, results: unknown): Promise<undefined> {
    shared.results = (results as number[]).length;
    return undefined;
  }
}

async function once(test: CoreCase, size: number): Promise<CoreSample> {
  if (test.shape === "loop") {
    const step = new Step();
    step.on("loop", step).on("done", new Finish());
    const flow = new Flow(step);
    const shared: Shared = { steps: 0, limit: size, items: [], results: 0 };
    return timed(async () => {
      await flow.run(shared);
      return shared.steps;
    });
  }
  if (test.source !== "array" || test.concurrency !== undefined) {
    throw new Error("pocketflow 1.0.4 takes batch items only as an array and has no concurrency cap.");
  }
  const flow = new Flow(new Increment());
  const shared: Shared = { steps: 0, limit: 0, items: [], results: 0 };
  return timed(async () => {
    shared.items = batchItems(size, "array");
    await flow.run(shared);
    return shared.results;
  });
}

/** pocketflow 1.0.4 (the reference) doing the case's work; the child entry calls this. */
export async function run(test: CoreCase): Promise<CoreSample> {
  if (test.warmup > 0) await once(test, test.warmup);
  return once(test, test.size);
}
