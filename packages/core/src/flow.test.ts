import { describe, expect, it } from "vitest";
import { Flow, MaxStepsExceededError, Node } from "./index.js";

describe("endless-loop guard", () => {
  class Forever extends Node {
    override async post(): Promise<string> {
      return "again";
    }
  }

  it("stops a flow that exceeds maxSteps with an error that says how to raise it", async () => {
    const loop = new Forever();
    loop.on("again", loop);
    const run = new Flow(loop, { maxSteps: 50, name: "Agent" }).run({});
    await expect(run).rejects.toBeInstanceOf(MaxStepsExceededError);
    await expect(run).rejects.toThrow(/Agent stopped after 50 steps \(last: Forever → "again"\).*maxSteps/);
  });

  it("lets a long loop run when maxSteps allows it", async () => {
    class Count extends Node<{ n: number }> {
      override async post(shared: { n: number }): Promise<string | undefined> {
        return ++shared.n < 20_000 ? "again" : undefined;
      }
    }
    const count = new Count();
    count.on("again", count);
    const shared = { n: 0 };
    await new Flow(count, { maxSteps: Number.POSITIVE_INFINITY }).run(shared);
    expect(shared.n).toBe(20_000);
  });
});

describe("visits", () => {
  it("set the flow's params on a copy: the original node's params and fields stay as they were", async () => {
    const seen: unknown[] = [];
    class Reads extends Node<unknown, { id?: string }> {
      visits = 0;
      override async exec(): Promise<void> {
        this.visits++;
        seen.push(this._params.id);
      }
      params(): { id?: string } {
        return this._params;
      }
    }
    const node = new Reads();
    const before = node.params();
    await new Flow(node).setParams({ id: "a" }).run({});
    expect(seen).toEqual(["a"]);
    expect(node.params()).toBe(before);
    expect(before).toEqual({});
    expect(node.visits).toBe(0);
  });

  it("go through a clone() that a subclass overrides", async () => {
    const cloned: string[] = [];
    class Custom extends Node {
      override clone(): this {
        cloned.push("custom");
        return super.clone();
      }
    }
    await new Flow(new Custom()).run({});
    expect(cloned).toEqual(["custom"]);
  });
});
