import type { Usage } from "./model.js";
import { totalInputTokens } from "./model.js";
import {
  BATCH_PRICE_MULTIPLIER,
  CACHE_PRICE_MULTIPLIERS,
  defaultPrices,
  findModelPrice,
  type PriceTable,
  type TokenRates,
} from "./prices.js";

export interface UsageCostOptions {
  /** Price table to read; default `defaultPrices` (Anthropic's, dated, plus the free offline model). */
  readonly prices?: PriceTable;
  /** The call went through the Message Batches API: half price. */
  readonly batch?: boolean;
  /** Lifetime of the cache entries written: "5m" (default) or "1h" (priced higher). */
  readonly cacheWriteTtl?: "5m" | "1h";
}

/** What a call cost, in US dollars, broken down by kind of token. */
export interface UsageCost {
  readonly usd: number;
  readonly inputUsd: number;
  readonly outputUsd: number;
  readonly cacheReadUsd: number;
  readonly cacheWriteUsd: number;
  readonly model: string;
  readonly batch: boolean;
}

/**
 * The dollar cost of a call's usage. Returns `undefined` when the model has no price in the table,
 * so an unknown model is never silently counted as free.
 *
 * @example
 * const cost = usageCost(response.usage, response.model);
 * console.log(cost ? `$${cost.usd.toFixed(4)}` : `no price for ${response.model}`);
 */
export function usageCost(
  usage: Usage,
  modelId: string,
  options: UsageCostOptions = {},
): UsageCost | undefined {
  const price = findModelPrice(modelId, options.prices ?? defaultPrices);
  if (!price) return undefined;
  const band =
    price.longPrompt && totalInputTokens(usage) > price.longPrompt.aboveInputTokens
      ? price.longPrompt
      : price;
  const rates = resolveRates(band);
  const multiplier = options.batch ? BATCH_PRICE_MULTIPLIER : 1;
  const perToken = (perMTok: number) => (perMTok * multiplier) / 1_000_000;
  const cacheWriteRate = options.cacheWriteTtl === "1h" ? rates.cacheWrite1hPerMTok : rates.cacheWritePerMTok;

  const inputUsd = usage.inputTokens * perToken(rates.inputPerMTok);
  const outputUsd = usage.outputTokens * perToken(rates.outputPerMTok);
  const cacheReadUsd = usage.cacheReadInputTokens * perToken(rates.cacheReadPerMTok);
  const cacheWriteUsd = usage.cacheCreationInputTokens * perToken(cacheWriteRate);
  return {
    usd: inputUsd + outputUsd + cacheReadUsd + cacheWriteUsd,
    inputUsd,
    outputUsd,
    cacheReadUsd,
    cacheWriteUsd,
    model: modelId,
    batch: options.batch === true,
  };
}

/** Just the total of `usageCost`, or `undefined` for a model without a price. */
export function costUsd(usage: Usage, modelId: string, options?: UsageCostOptions): number | undefined {
  return usageCost(usage, modelId, options)?.usd;
}

function resolveRates(rates: TokenRates): Required<TokenRates> {
  return {
    inputPerMTok: rates.inputPerMTok,
    outputPerMTok: rates.outputPerMTok,
    cacheWritePerMTok: rates.cacheWritePerMTok ?? rates.inputPerMTok * CACHE_PRICE_MULTIPLIERS.write5m,
    cacheWrite1hPerMTok: rates.cacheWrite1hPerMTok ?? rates.inputPerMTok * CACHE_PRICE_MULTIPLIERS.write1h,
    cacheReadPerMTok: rates.cacheReadPerMTok ?? rates.inputPerMTok * CACHE_PRICE_MULTIPLIERS.read,
  };
}
