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
// other astral-plane symbols (U+1100–11FF, U+2E80–9FFF, U+AC00–D7AF, U+F900–FAFF, U+FF00–FFEF, and
// everything above U+FFFF).
function isDenseBmp(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x11ff) ||
    (code >= 0x2e80 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xff00 && code <= 0xffef)
  );
}

/**
 * A conservative token count for a piece of text.
 *
 * @example
 * estimateTextTokens("The quick brown fox jumps over the lazy dog."); // 13 (the tokenizer says ~10)
 */
export function estimateTextTokens(text: string, charsPerToken: number = DEFAULTS.charsPerToken): number {
  if (text === "") return 0;
  // By UTF-16 code unit rather than the string iterator: planning a thousand files spends most of
  // its CPU here. A surrogate pair is one astral character (dense); a lone surrogate counts as other.
  let ascii = 0;
  let dense = 0;
  let other = 0;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) ascii += 1;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      dense += 1;
      index += 1;
    } else if (isDenseBmp(code)) dense += 1;
    else other += 1;
  }
  // Other non-ASCII letters (accented Latin, Cyrillic, Greek, Arabic…) split into about two
  // characters per token.
  return Math.ceil(ascii / charsPerToken + dense + other / 2);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
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
