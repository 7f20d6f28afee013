import { describe } from "./cost.js";
import { ThrottleArgumentError } from "./errors.js";

/** Events a throttle emits; listen with `throttle.on(name, listener)`. */
export interface ThrottleEvents {
  /** A job attempt was admitted and its task started. */
  admit: { readonly attempt: number; readonly priority: number; readonly waitedMs: number };
  /** A job attempt's task settled (the job may still retry). */
  settle: {
    readonly attempt: number;
    readonly ok: boolean;
    readonly durationMs: number;
    readonly error?: unknown;
  };
  /** Admissions stopped until `until` (epoch ms). */
  pause: {
    readonly reason: PauseReason;
    readonly until: number;
    readonly retryAfterMs: number | undefined;
  };
  /** The effective concurrency cap changed. */
  concurrency: {
    readonly previous: number;
    readonly current: number;
    readonly reason: "overloaded" | "recovered";
  };
  /** A limit was learned from headers, or lowered to the provider's. */
  limit: {
    readonly dimension: string;
    readonly perMinute: number;
    readonly burst: number;
    readonly learned: boolean;
  };
  /** An acceleration 429 engaged the ramp brake: requests are capped at `requestsPerMinute`, then regrow. */
  ramp: { readonly requestsPerMinute: number };
  /** A failed attempt will be retried after `delayMs` (it re-enters admission then). */
  retry: { readonly attempt: number; readonly delayMs: number; readonly error: unknown };
  /** A retry the policy wanted was refused because the retry budget is spent. */
  "retry-denied": { readonly attempt: number; readonly error: unknown };
  /** A spend cap or quota refusal: queued jobs were failed, and new ones fail until `resume()`. */
  quota: { readonly error: unknown };
  /** Nothing is queued, waiting for a retry or running. */
  idle: Record<string, never>;
}

export type ThrottleEventName = keyof ThrottleEvents;
export type ThrottleListener<K extends ThrottleEventName> = (event: ThrottleEvents[K]) => void;

/** Why admissions are paused. */
export type PauseReason = "rate_limited" | "ramp_limited";

/** Listener sets by event name; emitting to nobody costs one property read. */
export class Emitter {
  // Typed at the edges (on/off/emit); one map of untyped sets inside.
  private readonly listeners = new Map<ThrottleEventName, Set<(event: never) => void>>();

  on<K extends ThrottleEventName>(event: K, listener: ThrottleListener<K>): void {
    if (typeof listener !== "function") {
      throw new ThrottleArgumentError(
        `A "${event}" listener must be a function (got ${describe(listener)}).`,
      );
    }
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
  }

  off<K extends ThrottleEventName>(event: K, listener: ThrottleListener<K>): void {
    const set = this.listeners.get(event);
    set?.delete(listener);
    if (set?.size === 0) this.listeners.delete(event);
  }

  has(event: ThrottleEventName): boolean {
    return this.listeners.has(event);
  }

  emit<K extends ThrottleEventName>(event: K, payload: ThrottleEvents[K]): void {
    const set = this.listeners.get(event) as Set<ThrottleListener<K>> | undefined;
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (error) {
        // A broken listener must not break admission; surface it without throwing into the limiter.
        process.emitWarning(
          `@sluice/throttle: a "${event}" listener threw: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}
