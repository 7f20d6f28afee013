import { appendFileSync } from "node:fs";
import { ParallelBatchNode } from "@sluice/core";

/** Appends `start|end <item> <pid>` to EFFECT_LOG: how the parent counts effects across processes. */
function record(event: "start" | "end", item: number): void {
  const log = process.env.EFFECT_LOG;
  if (log) appendFileSync(log, `${event} ${item} ${process.pid}\n`);
}

export interface Item {
  readonly n: number;
  readonly ms: number;
}

/** I/O-like items: `ms` of waiting each, abortable, so a kill -9 lands mid-item. */
/** Which process did an item: the pid tells whose result was stored. */
export interface Done {
  readonly n: number;
  readonly pid: number;
}

export class SlowItems extends ParallelBatchNode<{ items: Item[]; results?: Done[] }> {
  override async prep(shared: { items: Item[] }): Promise<Item[]> {
    return shared.items;
  }
  override async exec(item: Item): Promise<Done> {
    record("start", item.n);
    await new Promise((resolve) => setTimeout(resolve, item.ms));
    record("end", item.n);
    return { n: item.n, pid: process.pid };
  }
  override async post(shared: { results?: Done[] }, _items: unknown, results: Done[]): Promise<undefined> {
    shared.results = results;
    return undefined;
  }
}

/** CPU-bound items: `ms` of busy work each, which only more processes can spread. */
export class BusyItems extends SlowItems {
  override async exec(item: Item): Promise<Done> {
    const until = performance.now() + item.ms;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    record("end", item.n);
    return { n: item.n, pid: process.pid };
  }
}
