import { redisAvailable } from "@sluice/bullmq/testing";
import { describe, expect, it } from "vitest";
import { distributedWorkers } from "./distributed-workers.js";

describe.runIf(redisAvailable())("distributed-workers bench (smoke, tiny sizes)", () => {
  it("kills one of 4 workers and still ends every item exactly once; times CPU items on 1 and 2 workers", async () => {
    const { rows, markdown } = await distributedWorkers({
      killItems: 16,
      killItemMs: 300,
      cpuItems: 10,
      cpuItemMs: 5,
    });
    const value = (measure: string) => rows.find((r) => r.measure === measure)?.value;
    expect(value("kill -9: items")).toBe(16);
    expect(value("kill -9: results returned")).toBe(16);
    expect(value("kill -9: items ended exactly once by the worker whose result was kept")).toBe(16);
    expect(value("kill -9: finished items redone")).toBe(0);
    expect(value("CPU: 2 workers / 1 worker")).toBeGreaterThan(0);
    expect(markdown).toContain("## Distributed workers");
  });
});
