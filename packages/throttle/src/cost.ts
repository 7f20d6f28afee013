import { InvalidCostError } from "./errors.js";

/**
 * What one job is expected to consume, by dimension. `requests` defaults to 1. `tokens` (the
 * combined, OpenAI-style dimension) defaults to `inputTokens + outputTokens`. Token counts are
 * estimates; report the real usage through `reportUsage` and the buckets are corrected.
 */
export interface ThrottleCost {
  readonly requests?: number;
  /** Input tokens the provider counts: for Anthropic, input plus cache-creation tokens (not cache reads). */
  readonly inputTokens?: number;
  /** Output tokens to reserve: usually the request's `max_tokens`. */
  readonly outputTokens?: number;
  readonly tokens?: number;
  /** Custom dimensions configured through the `limits` option. */
  readonly [dimension: string]: number | undefined;
}

/**
 * Real usage of one attempt, reported once it is known (totals; a later report replaces an earlier
 * one). A dimension left out keeps its reservation. It may be reported by an attempt that then
 * fails: `{ requests: 0, inputTokens: 0, outputTokens: 0 }` when nothing reached the provider,
 * `{ outputTokens: 0 }` when it refused the call and generated nothing.
 */
export interface ThrottleUsage {
  /** Requests the provider counted: 0 when the call never reached it (the request is refunded). */
  readonly requests?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** Combined tokens; defaults to the reported (or else reserved) input plus output tokens. */
  readonly tokens?: number;
  readonly [dimension: string]: number | undefined;
}

export const REQUESTS = 0;
export const INPUT_TOKENS = 1;
export const OUTPUT_TOKENS = 2;
export const TOKENS = 3;
export const STANDARD_DIMENSIONS = ["requests", "inputTokens", "outputTokens", "tokens"] as const;
export type StandardDimension = (typeof STANDARD_DIMENSIONS)[number];

/** The dimensions one throttle knows, numbered as store slots, and the parsing of costs into vectors. */
export class Dimensions {
  readonly names: readonly string[];
  /** The cost of a job that gave none: one request. Shared, never written. */
  readonly defaultAmounts: readonly number[];
  private readonly slots: Map<string, number>;

  constructor(custom: readonly string[] = []) {
    this.names = [...STANDARD_DIMENSIONS, ...custom];
    this.slots = new Map(this.names.map((name, slot) => [name, slot]));
    const defaults = this.names.map(() => 0);
    defaults[REQUESTS] = 1;
    this.defaultAmounts = defaults;
  }

  get size(): number {
    return this.names.length;
  }

  slot(name: string): number | undefined {
    return this.slots.get(name);
  }

  /** The amount vector of `cost`; throws InvalidCostError for unknown keys or values that are not counts. */
  parseCost(cost: ThrottleCost | undefined): readonly number[] {
    if (cost === undefined) return this.defaultAmounts;
    if (typeof cost !== "object" || cost === null) {
      throw new InvalidCostError(
        `cost must be an object such as { inputTokens: 1200, outputTokens: 1024 } (got ${describe(cost)}).`,
      );
    }
    // A plain array of doubles: far cheaper to allocate and collect than a typed array.
    const amounts: number[] =
      this.names.length === 4 ? [1, 0, 0, 0] : this.names.map((_, slot) => (slot === REQUESTS ? 1 : 0));
    let tokensGiven = false;
    for (const key in cost) {
      const value = cost[key];
      if (value === undefined) continue;
      const slot = this.checkedSlot(key, "cost");
      amounts[slot] = checkedCount(value, key, "cost");
      if (slot === TOKENS) tokensGiven = true;
    }
    if (!tokensGiven) amounts[TOKENS] = amounts[INPUT_TOKENS]! + amounts[OUTPUT_TOKENS]!;
    return amounts;
  }

  /** Checks a usage report and returns the slots and values it sets (tokens derived when absent). */
  parseUsage(usage: ThrottleUsage, charged: ArrayLike<number>): Map<number, number> {
    if (typeof usage !== "object" || usage === null) {
      throw new InvalidCostError(
        `reportUsage expects an object such as { inputTokens: 980, outputTokens: 412 } (got ${describe(usage)}).`,
      );
    }
    const actual = new Map<number, number>();
    for (const key in usage) {
      const value = usage[key];
      if (value === undefined) continue;
      actual.set(this.checkedSlot(key, "usage"), checkedCount(value, key, "usage"));
    }
    if (!actual.has(TOKENS) && (actual.has(INPUT_TOKENS) || actual.has(OUTPUT_TOKENS))) {
      const input = actual.get(INPUT_TOKENS) ?? charged[INPUT_TOKENS] ?? 0;
      const output = actual.get(OUTPUT_TOKENS) ?? charged[OUTPUT_TOKENS] ?? 0;
      actual.set(TOKENS, input + output);
    }
    return actual;
  }

  private checkedSlot(key: string, what: "cost" | "usage"): number {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      throw new InvalidCostError(
        `Unknown ${what} dimension "${key}". Known: ${this.names.join(", ")}. ` +
          "Fix the spelling, or declare a custom dimension through the `limits` option.",
      );
    }
    return slot;
  }
}

function checkedCount(value: unknown, key: string, what: "cost" | "usage"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidCostError(`${what}.${key} must be a finite number, 0 or more (got ${describe(value)}).`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return String(value);
}
