/**
 * Prices per model id, in US dollars per million tokens. Prices change: treat this table as a dated
 * snapshot, check it against the provider's pricing page before you bill anyone, and pass your own
 * table (`{ ...anthropicPrices, "my-model": {...} }`) to override or extend it.
 */

/** Rates for one band of prompt sizes, USD per million tokens. */
export interface TokenRates {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  /** Writing the prompt cache with the default 5-minute lifetime. Default: 1.25 × input. */
  readonly cacheWritePerMTok?: number;
  /** Writing the prompt cache with a 1-hour lifetime. Default: 2 × input. */
  readonly cacheWrite1hPerMTok?: number;
  /** Reading the prompt cache. Default: 0.1 × input. */
  readonly cacheReadPerMTok?: number;
}

export interface ModelPrice extends TokenRates {
  /**
   * Higher rates for long prompts: they apply to the whole request once its prompt (input + cache
   * reads + cache writes) exceeds `aboveInputTokens`.
   */
  readonly longPrompt?: TokenRates & { readonly aboveInputTokens: number };
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Discount on the Message Batches API: half price on everything. */
export const BATCH_PRICE_MULTIPLIER = 0.5;

/** Default cache multipliers of the base input price where a row gives no explicit cache price. */
export const CACHE_PRICE_MULTIPLIERS = { write5m: 1.25, write1h: 2, read: 0.1 } as const;

/** The day `anthropicPrices` was last checked against Anthropic's published pricing pages. */
export const ANTHROPIC_PRICES_AS_OF = "2026-11-27";

/** Where to check them. */
export const ANTHROPIC_PRICING_URL = "https://platform.claude.com/docs/en/about-claude/pricing";

const rates = (
  inputPerMTok: number,
  outputPerMTok: number,
  cacheWritePerMTok: number,
  cacheWrite1hPerMTok: number,
  cacheReadPerMTok: number,
): TokenRates => ({ inputPerMTok, outputPerMTok, cacheWritePerMTok, cacheWrite1hPerMTok, cacheReadPerMTok });

const fable52 = rates(8, 40, 10, 16, 0.2);
const fable51 = rates(10, 50, 12.5, 20, 0.25);
const fable5 = rates(10, 50, 12.5, 20, 1);
const opus55 = rates(4, 20, 5, 8, 0.2);
const opus45to5 = rates(5, 25, 6.25, 10, 0.5);
const opus4 = rates(15, 75, 18.75, 30, 1.5);
const sonnet55 = rates(2, 10, 2.5, 4, 0.1);
const sonnet5 = rates(2, 10, 2.5, 4, 0.2);
const sonnet46 = rates(3, 15, 3.75, 6, 0.3);
// Sonnet 4 and 4.5 charge more for the whole request once the prompt exceeds 200k tokens.
const sonnet4: ModelPrice = {
  ...sonnet46,
  longPrompt: { ...rates(6, 22.5, 7.5, 12, 0.6), aboveInputTokens: 200_000 },
};
// Haiku 5.5 bills prompts over 100k tokens at five times its base rates.
const haiku55: ModelPrice = {
  ...rates(0.1, 0.5, 0.125, 0.2, 0.01),
  longPrompt: { ...rates(0.5, 2.5, 0.625, 1, 0.05), aboveInputTokens: 100_000 },
};
const haiku45 = rates(1, 5, 1.25, 2, 0.1);
const haiku35 = rates(0.8, 4, 1, 1.6, 0.08);
const haiku3 = rates(0.25, 1.25, 0.3, 0.5, 0.03);

/**
 * Anthropic's standard API prices (USD per million tokens) as of `ANTHROPIC_PRICES_AS_OF`. Dated
 * model ids (`claude-haiku-4-5-20251001`, `claude-sonnet-4-5@20250929`) resolve to their alias.
 * Models missing here (limited previews, anything newer) have no price: `usageCost` returns
 * undefined for them rather than a made-up number.
 */
export const anthropicPrices: PriceTable = {
  "claude-fable-5-2": fable52,
  "claude-fable-5-1": fable51,
  "claude-mythos-5-1": fable51,
  "claude-fable-5": fable5,
  "claude-mythos-5": fable5,
  "claude-opus-5-5": opus55,
  "claude-opus-5": opus45to5,
  "claude-opus-4-8": opus45to5,
  "claude-opus-4-7": opus45to5,
  "claude-opus-4-6": opus45to5,
  "claude-opus-4-5": opus45to5,
  "claude-opus-4-1": opus4,
  "claude-opus-4": opus4,
  "claude-3-opus": opus4,
  "claude-sonnet-5-5": sonnet55,
  "claude-sonnet-5": sonnet5,
  "claude-sonnet-4-6": sonnet46,
  "claude-sonnet-4-5": sonnet4,
  "claude-sonnet-4": sonnet4,
  "claude-3-7-sonnet": sonnet46,
  "claude-haiku-5-5": haiku55,
  "claude-haiku-4-5": haiku45,
  "claude-3-5-haiku": haiku35,
  "claude-3-haiku": haiku3,
};

/** The offline summarizer runs locally and costs nothing. */
export const offlinePrices: PriceTable = {
  "offline-extractive": rates(0, 0, 0, 0, 0),
};

/** The table `usageCost` uses unless given another. */
export const defaultPrices: PriceTable = { ...anthropicPrices, ...offlinePrices };

/**
 * The price row for a model id: an exact match first, then the id without a trailing date
 * (`-20251001`, `@20250929`) or a `-latest` suffix. Undefined when the model is unknown.
 */
export function findModelPrice(modelId: string, prices: PriceTable = defaultPrices): ModelPrice | undefined {
  const exact = Object.hasOwn(prices, modelId) ? prices[modelId] : undefined;
  if (exact) return exact;
  const alias = modelId.replace(/(?:[-@]\d{8}|-latest)$/, "");
  return alias !== modelId && Object.hasOwn(prices, alias) ? prices[alias] : undefined;
}
