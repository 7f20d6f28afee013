import { describe, expect, it } from "vitest";
import { IndexedHeap } from "./heap.js";
import { type Lane, type LaneEntry, PriorityLanes } from "./queue.js";

class Entry implements LaneEntry<Entry> {
  prev: Entry | undefined;
  next: Entry | undefined;
  lane: Lane<Entry> | undefined;
  constructor(
    readonly name: string,
    readonly priority: number,
    readonly enqueuedAt = 0,
    readonly amounts: number[] = [1, 0],
  ) {}
}

const drain = (lanes: PriorityLanes<Entry>, now = 0) => {
  const order: string[] = [];
  for (let entry = lanes.select(now); entry !== undefined; entry = lanes.select(now)) {
    order.push(entry.name);
    lanes.remove(entry);
  }
  return order;
};

describe("PriorityLanes", () => {
  it("serves higher priorities first, FIFO within a priority", () => {
    const lanes = new PriorityLanes<Entry>(2, Number.POSITIVE_INFINITY);
    for (const [name, priority] of [
      ["a", 0],
      ["b", -1],
      ["c", 1],
      ["d", 0],
      ["e", 1],
    ] as const) {
      lanes.pushBack(new Entry(name, priority));
    }
    expect(lanes.size).toBe(5);
    expect(drain(lanes)).toEqual(["c", "e", "a", "d", "b"]);
    expect(lanes.size).toBe(0);
    expect(lanes.lanes).toHaveLength(0);
  });

  it("ages: a job gains one level per agingMs waited", () => {
    const early = new PriorityLanes<Entry>(2, 1_000);
    early.pushBack(new Entry("old-low", -1, 0));
    early.pushBack(new Entry("new-high", 1, 2_500));
    expect(early.select(2_500)!.name).toBe("old-low"); // -1 + 2.5 > 1 + 0
    // Both age alike: two levels apart, the low job goes first only over jobs 2 × agingMs younger.
    const close = new PriorityLanes<Entry>(2, 1_000);
    close.pushBack(new Entry("low", -1, 1_000));
    close.pushBack(new Entry("high", 1, 2_500));
    expect(close.select(2_500)!.name).toBe("high");
    expect(close.select(60_000)!.name).toBe("high");
  });

  it("removes from the middle, puts retries in front, and sums amounts by priority", () => {
    const lanes = new PriorityLanes<Entry>(2, Number.POSITIVE_INFINITY);
    const a = new Entry("a", 0, 0, [1, 10]);
    const b = new Entry("b", 0, 0, [1, 20]);
    const c = new Entry("c", 0, 0, [1, 30]);
    const high = new Entry("high", 2, 0, [1, 5]);
    for (const entry of [a, b, c, high]) lanes.pushBack(entry);
    lanes.remove(b);
    lanes.remove(b); // a second removal is harmless
    expect(lanes.totalsAtOrAbove(0, new Float64Array(2))).toEqual(new Float64Array([3, 45]));
    expect(lanes.totalsAtOrAbove(1, new Float64Array(2))).toEqual(new Float64Array([1, 5]));
    lanes.pushFront(b);
    expect(drain(lanes)).toEqual(["high", "b", "a", "c"]);
  });

  it("clears every lane", () => {
    const lanes = new PriorityLanes<Entry>(2, 1_000);
    lanes.pushBack(new Entry("a", 0));
    lanes.pushBack(new Entry("b", 3));
    expect(
      lanes
        .clear()
        .map((entry) => entry.name)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(lanes.size).toBe(0);
    expect(lanes.select(0)).toBeUndefined();
  });
});

describe("IndexedHeap", () => {
  interface Item {
    key: number;
    index: number;
  }
  const heap = () =>
    new IndexedHeap<Item>(
      (item) => item.key,
      (item) => item.index,
      (item, index) => {
        item.index = index;
      },
    );

  it("pops in key order and deletes anywhere", () => {
    const items = [5, 3, 9, 1, 7, 2, 8].map((key) => ({ key, index: -1 }));
    const queue = heap();
    for (const item of items) queue.push(item);
    expect(queue.peekKey()).toBe(1);
    queue.delete(items[1]!); // 3
    queue.delete(items[1]!); // already gone
    const order: number[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) order.push(item.key);
    expect(order).toEqual([1, 2, 5, 7, 8, 9]);
    expect(queue.peekKey()).toBe(Number.POSITIVE_INFINITY);
    expect(items.every((item) => item.index === -1)).toBe(true);
  });

  it("stays ordered under random pushes and deletes", () => {
    const queue = heap();
    const alive = new Set<Item>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let step = 0; step < 2_000; step++) {
      if (random() < 0.6 || alive.size === 0) {
        const item = { key: Math.floor(random() * 1_000), index: -1 };
        queue.push(item);
        alive.add(item);
      } else {
        const victim = [...alive][Math.floor(random() * alive.size)]!;
        queue.delete(victim);
        alive.delete(victim);
      }
      expect(queue.size).toBe(alive.size);
    }
    const keys: number[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) keys.push(item.key);
    expect(keys).toEqual([...alive].map((item) => item.key).sort((a, b) => a - b));
  });
});
