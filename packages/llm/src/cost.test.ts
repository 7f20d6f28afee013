import { describe, expect, it } from "vitest";
import { costUsd, usageCost } from "./cost.js";
import type { Usage } from "./model.js";
import { ANTHROPIC_PRICES_AS_OF, anthropicPrices, findModelPrice } from "./prices.js";

const usage = (partial: Partial<Usage>): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
  ...partial,
});

describe("usageCost", () => {
  it("prices input, output and cache tokens per million", () => {
    const cost = usageCost(
      usage({
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        cacheReadInputTokens: 1_000_000,
        cacheCreationInputTokens: 1_000_000,
      }),
      "claude-sonnet-4-6",
    );
    expect(cost).toMatchObject({
      inputUsd: 3,
      outputUsd: 15,
      cacheReadUsd: 0.3,
      cacheWriteUsd: 3.75,
      batch: false,
    });
    expect(cost?.usd).toBeCloseTo(22.05);
  });

  it("halves everything for batches and prices 1-hour cache writes higher", () => {
    const tokens = usage({
      inputTokens: 2_000_000,
      outputTokens: 1_000_000,
      cacheCreationInputTokens: 1_000_000,
    });
    expect(costUsd(tokens, "claude-opus-4-8", { batch: true })).toBeCloseTo((2 * 5 + 25 + 6.25) / 2);
    expect(usageCost(tokens, "claude-opus-4-8", { cacheWriteTtl: "1h" })?.cacheWriteUsd).toBeCloseTo(10);
  });

  it("resolves dated ids to their alias", () => {
    const tokens = usage({ inputTokens: 1_000_000 });
    expect(costUsd(tokens, "claude-haiku-4-5-20251001")).toBe(1);
    expect(costUsd(usage({ inputTokens: 100_000 }), "claude-sonnet-4-5@20250929")).toBeCloseTo(0.3);
    expect(costUsd(tokens, "claude-3-5-haiku-latest")).toBe(0.8);
  });

  it("switches to long-prompt rates above the threshold", () => {
    expect(costUsd(usage({ inputTokens: 100_000, outputTokens: 1000 }), "claude-haiku-5-5")).toBeCloseTo(
      (100_000 * 0.1 + 1000 * 0.5) / 1e6,
    );
    expect(
      costUsd(
        usage({ inputTokens: 90_000, cacheReadInputTokens: 20_000, outputTokens: 1000 }),
        "claude-haiku-5-5",
      ),
    ).toBeCloseTo((90_000 * 0.5 + 20_000 * 0.05 + 1000 * 2.5) / 1e6);
  });

  it("returns undefined for models without a price — never 0", () => {
    expect(usageCost(usage({ inputTokens: 10 }), "claude-mythos-preview")).toBeUndefined();
    expect(costUsd(usage({ inputTokens: 10 }), "gpt-unknown")).toBeUndefined();
  });

  it("prices the offline model at zero", () => {
    expect(costUsd(usage({ inputTokens: 1000, outputTokens: 1000 }), "offline-extractive")).toBe(0);
  });

  it("accepts a user table that overrides and extends the default", () => {
    const prices = { ...anthropicPrices, "my-model": { inputPerMTok: 1, outputPerMTok: 2 } };
    const cost = usageCost(
      usage({ inputTokens: 1_000_000, cacheReadInputTokens: 1_000_000, cacheCreationInputTokens: 1_000_000 }),
      "my-model",
      { prices },
    );
    expect(cost).toMatchObject({ inputUsd: 1, cacheReadUsd: 0.1, cacheWriteUsd: 1.25 });
    expect(usageCost(usage({ inputTokens: 1 }), "offline-extractive", { prices })).toBeUndefined();
  });
});

describe("the default price table", () => {
  it("is dated and internally consistent", () => {
    expect(ANTHROPIC_PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [model, price] of Object.entries(anthropicPrices)) {
      expect(price.inputPerMTok, model).toBeGreaterThan(0);
      expect(price.outputPerMTok, model).toBeGreaterThan(price.inputPerMTok);
      expect(price.cacheReadPerMTok ?? 0, model).toBeLessThan(price.inputPerMTok);
      expect(price.cacheWritePerMTok ?? Number.POSITIVE_INFINITY, model).toBeGreaterThan(price.inputPerMTok);
    }
  });

  it("does not match by prefix", () => {
    expect(findModelPrice("claude-opus-4-9")).toBeUndefined();
    expect(findModelPrice("claude-opus-4")).toBeDefined();
  });
});
