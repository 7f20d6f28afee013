import { describe, expect, it } from "vitest";
import { Budget } from "./budget.js";

const tokens = (t: { inputTokens: number; outputTokens: number }) => t.inputTokens + t.outputTokens;
const call = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });

describe("Budget", () => {
  it("charges each call against its file's reservation: in-flight work is counted once", async () => {
    const budget = new Budget({ unit: "tokens", amount: 1_000 }, tokens);
    const file = (await budget.reserve(call(500, 100)))!;
    const attempt = file.admit(call(250, 50))!;
    attempt.settle(call(200, 20));
    // 220 spent inside a 600 reservation: still 600 committed, not 820.
    expect(budget.spent).toBe(220);
    expect(budget.committed).toBe(600);
    expect(await budget.reserve(call(300, 100))).toBeDefined();
  });

  it("gives back what a finished file did not use, so a file that waited can start", async () => {
    const budget = new Budget({ unit: "tokens", amount: 1_000 }, tokens);
    const first = (await budget.reserve(call(600, 200)))!;
    let second: unknown = "waiting";
    const waiting = budget.reserve(call(300, 100)).then((reservation) => {
      second = reservation;
    });
    await Promise.resolve();
    expect(second).toBe("waiting");
    first.admit(call(600, 200))!.settle(call(400, 50));
    first.close();
    await waiting;
    expect(second).toBeDefined();
    expect(budget.committed).toBe(450 + 400);
    expect(budget.reached).toBe(false);
  });

  it("skips a file that cannot fit once nothing else is in flight, and still runs later files that fit", async () => {
    const budget = new Budget({ unit: "tokens", amount: 1_000 }, tokens);
    const first = (await budget.reserve(call(600, 200)))!;
    first.admit(call(600, 200))!.settle(call(700, 100));
    first.close();
    expect(await budget.reserve(call(300, 100))).toBeUndefined();
    expect(budget.reached).toBe(true);
    expect(await budget.reserve(call(100, 50))).toBeDefined();
  });

  it("refuses an attempt that would take the run past the limit once its file's reservation is used up", async () => {
    const budget = new Budget({ unit: "tokens", amount: 1_000 }, tokens);
    const file = (await budget.reserve(call(300, 100)))!;
    // Unknown outcomes are charged at their worst case: two retries use up the reservation and more.
    file.admit(call(300, 100))!.settle(call(300, 100));
    file.admit(call(300, 100))!.settle(call(300, 100));
    expect(budget.committed).toBe(800);
    expect(file.admit(call(150, 50))).toBeDefined();
    expect(file.admit(call(150, 50))).toBeUndefined();
    expect(budget.reached).toBe(true);
    expect(budget.committed).toBeLessThanOrEqual(1_000);
  });

  it("stops waiting when the run is aborted", async () => {
    const budget = new Budget({ unit: "tokens", amount: 1_000 }, tokens);
    await budget.reserve(call(900, 100));
    const controller = new AbortController();
    const waiting = budget.reserve(call(100, 100), controller.signal);
    controller.abort();
    expect(await waiting).toBeUndefined();
  });

  it("never stops without a limit, and describes itself", async () => {
    const none = new Budget(undefined, tokens);
    const file = await none.reserve(call(1e12, 1e12));
    expect(file?.admit(call(1e12, 1e12))).toBeDefined();
    expect(none.reached).toBe(false);
    expect(new Budget({ unit: "usd", amount: 2 }, () => 0).describe()).toBe("$2.00");
    expect(new Budget({ unit: "tokens", amount: 500_000 }, tokens).describe()).toBe("500,000 tokens");
  });
});
