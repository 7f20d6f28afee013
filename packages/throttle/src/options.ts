import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import { describe, STANDARD_DIMENSIONS } from "./cost.js";
import { ThrottleArgumentError } from "./errors.js";
import { type RetryBudgetOptions, type RetryOptions, type RetryPolicy, resolveRetry } from "./retry.js";
import type { BucketShape, ThrottleStore } from "./store.js";
import { MemoryStore } from "./store.js";

/** A per-minute limit: the number, or the number with its burst (the most admitted at once, in units). */
export type RateLimit = number | { readonly perMinute: number; readonly burst?: number };

export interface ThrottleOptions {
  /** Most jobs running at once. Default: no cap (until the provider reports overload). */
  readonly concurrency?: number;
  readonly requestsPerMinute?: RateLimit;
  /** Anthropic ITPM: input plus cache-creation tokens. */
  readonly inputTokensPerMinute?: RateLimit;
  /** Anthropic OTPM: charged at the cost's outputTokens (max_tokens), corrected by reportUsage. */
  readonly outputTokensPerMinute?: RateLimit;
  /** One combined tokens limit (OpenAI TPM): charged input plus output tokens. */
  readonly tokensPerMinute?: RateLimit;
  /** Limits for custom cost dimensions, e.g. `{ images: 20 }`. */
  readonly limits?: Readonly<Record<string, RateLimit>>;
  /**
   * Default burst of every limit, in seconds of refill. Default 1: providers may enforce a
   * per-minute limit over shorter intervals (60 RPM as one per second), so a full minute of burst
   * is not safe to assume. Raise it (up to 60) when your provider really lets a minute's worth through at once.
   */
  readonly burstSeconds?: number;
  /** Learn limits from rate-limit headers when none is configured, and adopt lower ones. Default true. */
  readonly learnLimits?: boolean;
  /**
   * Spend the headroom the provider's `*-remaining` headers report, beyond the burst: a server that
   * lets a minute's worth through after a quiet spell says so, and the throttle then uses it. Without
   * such headers the throttle keeps to the burst. Default true.
   */
  readonly spendRemaining?: boolean;
  /** Shrink the concurrency cap on capacity errors (529, 503) and regrow it (AIMD). Default true. */
  readonly adaptiveConcurrency?: boolean;
  /** The floor of the adaptive concurrency cap. Default 1. */
  readonly minConcurrency?: number;
  /** A waiting job gains one priority level per `agingMs` waited, so none starves. Default 10,000; Infinity turns aging off. */
  readonly agingMs?: number;
  /** Retries owned by the throttle, for every job (override per job). Default false: the caller retries. */
  readonly retry?: RetryOptions | boolean;
  /** Caps retries at a share of first attempts (see RetryBudget); false lifts the cap. */
  readonly retryBudget?: RetryBudgetOptions | false;
  /** After a spend-cap or quota refusal, fail queued and new jobs until `resume()`. Default true. */
  readonly haltOnQuota?: boolean;
  /** How many waiting jobs behind a blocked head are checked for backfill. Default 32. */
  readonly backfillLookahead?: number;
  /** Time and the single timer; inject a ManualClock to test in virtual time. */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for jitter. Default Math.random. */
  readonly random?: () => number;
  /** Where bucket levels live. Default: a new MemoryStore. */
  readonly store?: ThrottleStore;
}

export interface ResolvedOptions {
  readonly concurrency: number;
  readonly shapes: readonly (BucketShape | undefined)[];
  readonly customDimensions: readonly string[];
  readonly burstSeconds: number;
  readonly learnLimits: boolean;
  readonly spendRemaining: boolean;
  readonly adaptiveConcurrency: boolean;
  readonly minConcurrency: number;
  readonly agingMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly retryBudget: RetryBudgetOptions | false;
  readonly haltOnQuota: boolean;
  readonly backfillLookahead: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly store: ThrottleStore;
}

const KNOWN_OPTIONS = new Set<string>([
  "concurrency",
  "requestsPerMinute",
  "inputTokensPerMinute",
  "outputTokensPerMinute",
  "tokensPerMinute",
  "limits",
  "burstSeconds",
  "learnLimits",
  "spendRemaining",
  "adaptiveConcurrency",
  "minConcurrency",
  "agingMs",
  "retry",
  "retryBudget",
  "haltOnQuota",
  "backfillLookahead",
  "clock",
  "random",
  "store",
]);

const STANDARD_OPTIONS = [
  "requestsPerMinute",
  "inputTokensPerMinute",
  "outputTokensPerMinute",
  "tokensPerMinute",
] as const;

/** Validates the constructor options, throwing ThrottleArgumentError with what to pass instead. */
export function resolveOptions(options: ThrottleOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new ThrottleArgumentError(
      `Throttle options must be an object such as { concurrency: 8, requestsPerMinute: 50 } (got ${describe(options)}).`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      // A misspelt limit would silently mean "no limit", the one mistake a limiter must not hide.
      throw new ThrottleArgumentError(
        `Unknown Throttle option "${key}". Known options: ${[...KNOWN_OPTIONS].join(", ")}.`,
      );
    }
  }
  const burstSeconds = positive(options.burstSeconds ?? 1, "burstSeconds", "seconds of refill, e.g. 1 or 10");
  const concurrency =
    options.concurrency === undefined
      ? Number.POSITIVE_INFINITY
      : wholeCount(options.concurrency, "concurrency");
  const minConcurrency =
    options.minConcurrency === undefined ? 1 : wholeCount(options.minConcurrency, "minConcurrency");
  if (minConcurrency > concurrency) {
    throw new ThrottleArgumentError(
      `minConcurrency (${minConcurrency}) cannot exceed concurrency (${concurrency}); lower it or raise concurrency.`,
    );
  }

  const shapes: (BucketShape | undefined)[] = STANDARD_OPTIONS.map((name) =>
    options[name] === undefined ? undefined : shape(options[name], name, burstSeconds),
  );
  const customDimensions: string[] = [];
  if (options.limits !== undefined) {
    if (typeof options.limits !== "object" || options.limits === null) {
      throw new ThrottleArgumentError(
        `limits must be an object of custom dimensions such as { images: 20 } (got ${describe(options.limits)}).`,
      );
    }
    for (const [dimension, limit] of Object.entries(options.limits)) {
      if ((STANDARD_DIMENSIONS as readonly string[]).includes(dimension)) {
        throw new ThrottleArgumentError(
          `limits.${dimension}: use the ${dimension}PerMinute option for the standard "${dimension}" dimension.`,
        );
      }
      if (dimension === "")
        throw new ThrottleArgumentError("limits: a custom dimension needs a non-empty name.");
      customDimensions.push(dimension);
      shapes.push(shape(limit, `limits.${dimension}`, burstSeconds));
    }
  }

  const agingMs = options.agingMs === undefined ? 10_000 : positiveOrInfinite(options.agingMs, "agingMs");
  const backfillLookahead =
    options.backfillLookahead === undefined ? 32 : count(options.backfillLookahead, "backfillLookahead");
  const clock = options.clock ?? systemClock;
  if (
    typeof clock?.now !== "function" ||
    typeof clock.setTimer !== "function" ||
    typeof clock.clearTimer !== "function"
  ) {
    throw new ThrottleArgumentError(
      "clock must have now(), setTimer(callback, ms) and clearTimer(handle) methods.",
    );
  }
  const random = options.random ?? Math.random;
  if (typeof random !== "function")
    throw new ThrottleArgumentError("random must be a function returning [0, 1).");
  const store = options.store ?? new MemoryStore();
  if (typeof store?.tryTake !== "function") {
    throw new ThrottleArgumentError(
      "store must implement ThrottleStore (define, tryTake, waitMs, …), e.g. new MemoryStore().",
    );
  }
  const retryBudget = options.retryBudget ?? {};
  if (retryBudget !== false && (typeof retryBudget !== "object" || retryBudget === null)) {
    throw new ThrottleArgumentError(
      `retryBudget must be false or an object such as { ratio: 0.2 } (got ${describe(retryBudget)}).`,
    );
  }

  return {
    concurrency,
    shapes,
    customDimensions,
    burstSeconds,
    learnLimits: flag(options.learnLimits, "learnLimits", true),
    spendRemaining: flag(options.spendRemaining, "spendRemaining", true),
    adaptiveConcurrency: flag(options.adaptiveConcurrency, "adaptiveConcurrency", true),
    minConcurrency,
    agingMs,
    retry: resolveRetry(options.retry ?? false),
    retryBudget,
    haltOnQuota: flag(options.haltOnQuota, "haltOnQuota", true),
    backfillLookahead,
    clock,
    random,
    store,
  };
}

/** The default burst for a per-minute limit: `burstSeconds` of refill. */
export function defaultBurst(perMinute: number, burstSeconds: number): number {
  return (perMinute * burstSeconds) / 60;
}

function shape(limit: RateLimit | undefined, name: string, burstSeconds: number): BucketShape {
  if (typeof limit === "object" && limit !== null) {
    const perMinute = positive(limit.perMinute, `${name}.perMinute`, "a count per minute");
    const burst =
      limit.burst === undefined
        ? defaultBurst(perMinute, burstSeconds)
        : positive(limit.burst, `${name}.burst`, "units");
    return { perMinute, burst };
  }
  const perMinute = positive(limit, name, "a count per minute, e.g. 50");
  return { perMinute, burst: defaultBurst(perMinute, burstSeconds) };
}

function positive(value: unknown, name: string, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ThrottleArgumentError(
      `${name} must be a finite number above 0, ${what} (got ${describe(value)}). Leave it out for no limit.`,
    );
  }
  return value;
}

function positiveOrInfinite(value: unknown, name: string): number {
  if (typeof value !== "number" || Number.isNaN(value) || value <= 0) {
    throw new ThrottleArgumentError(`${name} must be a number of ms above 0 (got ${describe(value)}).`);
  }
  return value;
}

function wholeCount(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new ThrottleArgumentError(
      `${name} must be a whole number, at least 1 (got ${describe(value)}). Leave concurrency out for no cap.`,
    );
  }
  return value;
}

function count(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new ThrottleArgumentError(`${name} must be a whole number, 0 or more (got ${describe(value)}).`);
  }
  return value;
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new ThrottleArgumentError(`${name} must be true or false (got ${describe(value)}).`);
  return value;
}
