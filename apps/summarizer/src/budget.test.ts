import { describe, expect, it } from "vitest";
import { Budget } from "./budget.js";

const tokens = (t: { inputTokens: number; outputTokens: number }) => t.inputTokens + t.outputTokens;

describe("Budget", () => {
  it("admits files while spent + reserved + the next estimate fit, then stops all launching", () => {
    const budget = new Budget({ unit: "tokens", amount: 1_000 }, tokens);
    const a = budget.tryReserve({ inputTokens: 400, outputTokens: 100 });
    const b = budget.tryReserve({ inputTokens: 300, outputTokens: 100 });
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    // 900 reserved: a 200-token file does not fit.
    expect(budget.tryReserve({ inputTokens: 150, outputTokens: 50 })).toBeUndefined();
    expect(budget.reached).toBe(true);
    // Once reached, nothing starts, even what would fit now.
    budget.spend({ inputTokens: 100, outputTokens: 20 });
    budget.release(a!);
    expect(budget.tryReserve({ inputTokens: 1, outputTokens: 1 })).toBeUndefined();
    expect(budget.spent).toBe(120);
  });

  it("counts what was really spent against the limit", () => {
    const budget = new Budget({ unit: "tokens", amount: 1_000 }, tokens);
    budget.spend({ inputTokens: 700, outputTokens: 100 });
    expect(budget.tryReserve({ inputTokens: 150, outputTokens: 50 })).toBeDefined();
    expect(budget.tryReserve({ inputTokens: 1, outputTokens: 0 })).toBeUndefined();
  });

  it("never stops without a limit, and describes itself", () => {
    const none = new Budget(undefined, tokens);
    expect(none.tryReserve({ inputTokens: 1e12, outputTokens: 1e12 })).toBeDefined();
    expect(none.reached).toBe(false);
    expect(new Budget({ unit: "usd", amount: 2 }, () => 0).describe()).toBe("$2.00");
    expect(new Budget({ unit: "tokens", amount: 500_000 }, tokens).describe()).toBe("500,000 tokens");
  });
});
