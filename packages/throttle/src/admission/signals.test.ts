import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { AbortWatch, type Watched } from "./signals.js";

class Entry implements Watched<Entry> {
  watchPrev: Entry | undefined;
  watchNext: Entry | undefined;
  constructor(readonly name: string) {}
}

describe("AbortWatch", () => {
  it("keeps one listener per signal and calls back every job still watched on abort", () => {
    const aborted: string[] = [];
    const watch = new AbortWatch<Entry>((entries) => {
      for (const entry of entries) {
        aborted.push(entry.name);
        watch.delete(controller.signal, entry);
      }
    });
    const controller = new AbortController();
    const other = new AbortController();
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => new Entry(name)) as [Entry, Entry, Entry, Entry];
    for (const entry of [a, b, c]) watch.add(controller.signal, entry);
    watch.add(other.signal, d);
    expect(watch.size).toBe(2);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    watch.delete(controller.signal, b);
    watch.delete(controller.signal, b); // no longer there: ignored
    watch.delete(controller.signal, d); // another signal's job: ignored
    controller.abort();
    expect(aborted).toEqual(["a", "c"]);
    expect(watch.size).toBe(1);
    watch.delete(other.signal, d);
    expect(watch.size).toBe(0);
    expect(getEventListeners(other.signal, "abort")).toHaveLength(0);
  });
});
