/**
 * Continuous token buckets, the way Anthropic and OpenAI describe their limits: a bucket holds up to
 * one minute's worth of its limit and refills continuously at limit / minute, where a "minute" lasts
 * 60 / timeScale real seconds. Times are plain millisecond numbers so tests can drive them by hand.
 */
export class TokenBucket {
  #capacity: number;
  #refillPerMs: number;
  #level: number;
  #updatedAt: number;

  constructor(capacity: number, refillPerMs: number, now: number) {
    this.#capacity = capacity;
    this.#refillPerMs = refillPerMs;
    this.#level = capacity;
    this.#updatedAt = now;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The tokens available at `now`. */
  level(now: number): number {
    this.#refill(now);
    return this.#level;
  }

  /** Removes `amount`; the caller checked it was available (the level never goes below zero). */
  take(amount: number, now: number): void {
    this.#refill(now);
    this.#level = Math.max(0, this.#level - amount);
  }

  /** Puts back `amount` (a refund), never above capacity. */
  give(amount: number, now: number): void {
    this.#refill(now);
    this.#level = Math.min(this.#capacity, this.#level + Math.max(0, amount));
  }

  /** How long until `amount` is available; Infinity when it exceeds the capacity and never can be. */
  msUntil(amount: number, now: number): number {
    if (amount > this.#capacity) return Number.POSITIVE_INFINITY;
    const missing = amount - this.level(now);
    return missing <= 0 ? 0 : missing / this.#refillPerMs;
  }

  /** How long until the bucket is full again (what `*-reset` headers announce). */
  msUntilFull(now: number): number {
    return (this.#capacity - this.level(now)) / this.#refillPerMs;
  }

  fill(now: number): void {
    this.#level = this.#capacity;
    this.#updatedAt = now;
  }

  /** New limit or time scale; the current level is kept (clipped to the new capacity). */
  reconfigure(capacity: number, refillPerMs: number, now: number): void {
    this.#refill(now);
    this.#capacity = capacity;
    this.#refillPerMs = refillPerMs;
    this.#level = Math.min(this.#level, capacity);
  }

  #refill(now: number): void {
    if (now > this.#updatedAt) {
      this.#level = Math.min(this.#capacity, this.#level + (now - this.#updatedAt) * this.#refillPerMs);
      this.#updatedAt = now;
    }
  }
}

/** The dimensions a request is charged on. */
export type Dimension = "requests" | "inputTokens" | "outputTokens" | "tokens";

/** Per-minute limits by dimension; an absent dimension is unlimited. */
export type MinuteLimits = Partial<Record<Dimension, number | undefined>>;

/** What one request costs on each dimension; absent or 0 means it is not charged there. */
export type Charge = Partial<Record<Dimension, number>>;

export type Verdict =
  | { readonly admitted: true }
  | {
      readonly admitted: false;
      /** The dimension that would keep the request waiting longest. */
      readonly dimension: Dimension;
      /** Real ms until every dimension could take the charge (Infinity-free: see `neverFits`). */
      readonly retryAfterMs: number;
      /** The charge exceeds a bucket's capacity: no amount of waiting admits it. */
      readonly neverFits: boolean;
      readonly limit: number;
      readonly remaining: number;
      readonly requested: number;
    };

export interface BucketSnapshot {
  readonly limit: number;
  readonly remaining: number;
  readonly msUntilFull: number;
}

const DIMENSIONS: readonly Dimension[] = ["requests", "inputTokens", "outputTokens", "tokens"];

/** One API's set of buckets (the Anthropic set or the OpenAI set). */
export class RateLimitBuckets {
  readonly #buckets = new Map<Dimension, TokenBucket>();
  readonly #clock: () => number;

  constructor(limits: MinuteLimits, timeScale: number, clock: () => number) {
    this.#clock = clock;
    this.reconfigure(limits, timeScale);
  }

  /** Whether `charge` fits every bucket now, and if not, how long until it would. Takes nothing. */
  check(charge: Charge): Verdict {
    const now = this.#clock();
    let worst: Extract<Verdict, { admitted: false }> | undefined;
    for (const dimension of DIMENSIONS) {
      const bucket = this.#buckets.get(dimension);
      const requested = charge[dimension] ?? 0;
      if (!bucket || requested <= 0) continue;
      const wait = bucket.msUntil(requested, now);
      if (wait <= 0) continue;
      const neverFits = !Number.isFinite(wait);
      const retryAfterMs = neverFits ? bucket.msUntilFull(now) : wait;
      const candidate = {
        admitted: false as const,
        dimension,
        retryAfterMs,
        neverFits,
        limit: bucket.capacity,
        remaining: bucket.level(now),
        requested,
      };
      if (
        !worst ||
        (candidate.neverFits && !worst.neverFits) ||
        (candidate.neverFits === worst.neverFits && candidate.retryAfterMs > worst.retryAfterMs)
      ) {
        worst = candidate;
      }
    }
    if (!worst) return { admitted: true };
    const retryAfterMs = Math.max(worst.retryAfterMs, this.#longestWait(charge, now));
    return { ...worst, retryAfterMs };
  }

  take(charge: Charge): void {
    const now = this.#clock();
    for (const dimension of DIMENSIONS) {
      const amount = charge[dimension] ?? 0;
      if (amount > 0) this.#buckets.get(dimension)?.take(amount, now);
    }
  }

  refund(charge: Charge): void {
    const now = this.#clock();
    for (const dimension of DIMENSIONS) {
      const amount = charge[dimension] ?? 0;
      if (amount > 0) this.#buckets.get(dimension)?.give(amount, now);
    }
  }

  snapshot(dimension: Dimension): BucketSnapshot | undefined {
    const bucket = this.#buckets.get(dimension);
    if (!bucket) return undefined;
    const now = this.#clock();
    return { limit: bucket.capacity, remaining: bucket.level(now), msUntilFull: bucket.msUntilFull(now) };
  }

  has(dimension: Dimension): boolean {
    return this.#buckets.has(dimension);
  }

  fillAll(): void {
    const now = this.#clock();
    for (const bucket of this.#buckets.values()) bucket.fill(now);
  }

  reconfigure(limits: MinuteLimits, timeScale: number): void {
    const now = this.#clock();
    const minuteMs = 60_000 / timeScale;
    for (const dimension of DIMENSIONS) {
      const limit = limits[dimension];
      const existing = this.#buckets.get(dimension);
      if (limit === undefined) {
        this.#buckets.delete(dimension);
      } else if (existing) {
        existing.reconfigure(limit, limit / minuteMs, now);
      } else {
        this.#buckets.set(dimension, new TokenBucket(limit, limit / minuteMs, now));
      }
    }
  }

  #longestWait(charge: Charge, now: number): number {
    let longest = 0;
    for (const dimension of DIMENSIONS) {
      const bucket = this.#buckets.get(dimension);
      const requested = charge[dimension] ?? 0;
      if (!bucket || requested <= 0) continue;
      const wait = bucket.msUntil(requested, now);
      if (Number.isFinite(wait)) longest = Math.max(longest, wait);
    }
    return longest;
  }
}
