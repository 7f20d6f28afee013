import type { ChatRequest, Usage } from "./model.js";
import { totalInputTokens } from "./model.js";

/**
 * Token estimates made before a call, for admission by a limiter. They are deliberately cheap (no
 * tokenizer) and conservative: English prose runs ~4 characters per token on Claude models, so
 * counting 3.5 overestimates it, and scripts that tokenize densely (CJK, emoji) count one token per
 * character. A `TokenEstimator` then calibrates the ratio from the usage the provider reports.
 */

export interface TokenEstimateOptions {
  /** ASCII characters per token. Default 3.5 (lower means larger, safer estimates). */
  readonly charsPerToken?: number;
  /** Added per message for role markers and separators. Default 5. */
  readonly tokensPerMessage?: number;
  /** Added once per request. Default 10. */
  readonly tokensPerRequest?: number;
}

const DEFAULTS = { charsPerToken: 3.5, tokensPerMessage: 5, tokensPerRequest: 10 } as const;

// Scripts with roughly one token per character or worse: CJK ideographs, kana, hangul, emoji and
// other astral-plane symbols.
const DENSE = /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[\u{10000}-\u{10ffff}]/u;

/**
 * A conservative token count for a piece of text.
 *
 * @example
 * estimateTextTokens("The quick brown fox jumps over the lazy dog."); // 13 (the tokenizer says ~10)
 */
export function estimateTextTokens(text: string, charsPerToken: number = DEFAULTS.charsPerToken): number {
  if (text === "") return 0;
  let ascii = 0;
  let dense = 0;
  let other = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) ascii += 1;
    else if (DENSE.test(char)) dense += 1;
    else other += 1;
  }
  // Other non-ASCII letters (accented Latin, Cyrillic, Greek, Arabic…) split into about two
  // characters per token.
  return Math.ceil(ascii / charsPerToken + dense + other / 2);
}

/** A conservative estimate of the input tokens a request will be billed for (system + messages + overhead). */
export function estimateInputTokens(
  request: Pick<ChatRequest, "system" | "messages">,
  options: TokenEstimateOptions = {},
): number {
  const { charsPerToken, tokensPerMessage, tokensPerRequest } = { ...DEFAULTS, ...definedOnly(options) };
  let tokens = tokensPerRequest;
  if (request.system) tokens += tokensPerMessage + estimateTextTokens(request.system, charsPerToken);
  for (const message of request.messages) {
    tokens += tokensPerMessage + estimateTextTokens(message.content, charsPerToken);
  }
  return tokens;
}

export interface TokenEstimatorOptions extends TokenEstimateOptions {
  /** Bounds of the learned correction factor. Default [0.5, 4]. */
  readonly minRatio?: number;
  readonly maxRatio?: number;
  /** Weight of an observation that raises the factor (the estimate was too low). Default 0.5. */
  readonly riseRate?: number;
  /** Weight of an observation that lowers it. Default 0.1: estimates fall slowly, so they stay on the safe side. */
  readonly fallRate?: number;
}

/**
 * A token estimator that learns from real usage. Each observed call moves its correction factor
 * towards `actual input tokens / raw estimate`: quickly up when it underestimated, slowly down when
 * it overestimated, within [minRatio, maxRatio].
 *
 * @example
 * const estimator = new TokenEstimator();
 * const estimate = estimator.estimate(request);
 * const response = await model.generate(request);
 * estimator.observe(request, response.usage);
 */
export class TokenEstimator {
  private factor = 1;
  private observations = 0;
  private readonly options: Required<TokenEstimatorOptions>;

  constructor(options: TokenEstimatorOptions = {}) {
    const resolved = {
      ...DEFAULTS,
      minRatio: 0.5,
      maxRatio: 4,
      riseRate: 0.5,
      fallRate: 0.1,
      ...definedOnly(options),
    };
    if (!(resolved.charsPerToken > 0)) throw new RangeError("charsPerToken must be a positive number.");
    if (!(resolved.minRatio > 0 && resolved.minRatio <= 1 && resolved.maxRatio >= 1)) {
      throw new RangeError("minRatio must be in (0, 1] and maxRatio at least 1.");
    }
    for (const rate of [resolved.riseRate, resolved.fallRate]) {
      if (!(rate > 0 && rate <= 1)) throw new RangeError("riseRate and fallRate must be in (0, 1].");
    }
    this.options = resolved;
  }

  /** The current correction factor applied to raw estimates (1 until something is observed). */
  get ratio(): number {
    return this.factor;
  }

  /** How many calls have calibrated this estimator. */
  get observed(): number {
    return this.observations;
  }

  /** The uncalibrated estimate. */
  rawEstimate(request: Pick<ChatRequest, "system" | "messages">): number {
    return estimateInputTokens(request, this.options);
  }

  /** The calibrated input-token estimate for a request. */
  estimate(request: Pick<ChatRequest, "system" | "messages">): number {
    return Math.ceil(this.rawEstimate(request) * this.factor);
  }

  /** Learns from a finished call: the request and the usage the provider reported for it. */
  observe(request: Pick<ChatRequest, "system" | "messages">, usage: Usage): void {
    this.record(this.rawEstimate(request), totalInputTokens(usage));
  }

  /** Learns from a raw estimate and the real number of input tokens (cache reads and writes included). */
  record(rawEstimate: number, actualInputTokens: number): void {
    if (!(rawEstimate > 0 && Number.isFinite(actualInputTokens) && actualInputTokens > 0)) return;
    const sample = actualInputTokens / rawEstimate;
    const rate = sample > this.factor ? this.options.riseRate : this.options.fallRate;
    const next = this.factor + rate * (sample - this.factor);
    this.factor = Math.min(this.options.maxRatio, Math.max(this.options.minRatio, next));
    this.observations += 1;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
