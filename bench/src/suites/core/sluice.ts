import { Flow, Node, ParallelBatchNode } from "@sluice/core";
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
  override async prep(shared: Shared): Promise<Iterable<number>> {
    return shared.items;
  }
  override async exec(item: number): Promise<number> {
    return item + 1;
  }
  override async post(shared: Shared, _items: unknown, results: number[]): Promise<undefined> {
    shared.results = results.length;
    return undefined;
  }
}

async function once(test: CoreCase, size: number): Promise<CoreSample> {
  if (test.shape === "loop") {
    const step = new Step();
    step.on("loop", step).on("done", new Finish());
    const flow = new Flow(step, { maxSteps: size + 1 });
    const shared: Shared = { steps: 0, limit: size, items: [], results: 0 };
    return timed(async () => {
      await flow.run(shared);
      return shared.steps;
    });
  }
  const node =
    test.concurrency === undefined ? new Increment() : new Increment({ concurrency: test.concurrency });
  const flow = new Flow(node);
  const shared: Shared = { steps: 0, limit: 0, items: [], results: 0 };
  return timed(async () => {
    shared.items = batchItems(size, test.source);
    await flow.run(shared);
    return shared.results;
  });
}

/** @sluice/core doing the case's work; the child entry calls this. */
export async function run(test: CoreCase): Promise<CoreSample> {
  if (test.warmup > 0) await once(test, test.warmup);
  return once(test, test.size);
}
