import { InvalidOptionError } from "./errors.js";
import { FAULT_KINDS, type FaultKind, type ResolvedOptions } from "./options.js";
import { createRandom, hashString, type Random } from "./prng.js";
import { formatRetryAfter } from "./retry-after.js";

export interface FailNextOptions {
  /** How many of the next model requests get this fault. Default 1. */
  count?: number;
  /** The `retry-after` header to send, in seconds, as given (rate_limit, ramp_limit). */
  retryAfterSeconds?: number;
  /** For "slow": the delay before the first byte, in provider ms (divided by timeScale). */
  delayMs?: number;
}

/** One fault chosen for one request. */
export interface InjectedFault {
  readonly kind: FaultKind;
  readonly retryAfterSeconds?: number | undefined;
  readonly delayMs?: number | undefined;
}

interface QueuedFault extends InjectedFault {
  remaining: number;
}

/** Faults that need the request to be admitted first (they happen while answering). */
export const FAULTS_AFTER_ADMISSION: ReadonlySet<FaultKind> = new Set([
  "midstream_overloaded",
  "malformed_json",
  "slow",
  "reset_after_answer",
  "stream_cut",
]);

/** Output tokens generated before a `stream_cut` fault cut the answer in half (all of them otherwise). */
export function cutShare(fault: InjectedFault | undefined, outputTokens: number): number {
  return fault?.kind === "stream_cut" ? Math.ceil(outputTokens / 2) : outputTokens;
}

/**
 * Chooses the fault, if any, for each model request: first the `failNext` queue (FIFO, so tests are
 * deterministic), then the configured random rates drawn from the seeded generator.
 */
/**
 * The `retry-after` of an injected fault's error answer: the one the test asked for, else one
 * provider second, compressed like every other wait (none when rate-limit headers are off).
 */
export function faultRetryAfter(fault: InjectedFault, options: ResolvedOptions): string | undefined {
  if (fault.retryAfterSeconds !== undefined) return String(fault.retryAfterSeconds);
  return options.rateLimitHeaders ? formatRetryAfter(1000 / options.timeScale, options.timeScale) : undefined;
}

export class FaultInjector {
  readonly #queue: QueuedFault[] = [];
  readonly #rates: () => ResolvedOptions["faults"];
  #random: Random;
  // The faults added later draw from their own sequence, so the earlier ones keep theirs per seed.
  #randomAfterAnswer: Random;

  constructor(rates: () => ResolvedOptions["faults"], seed: number) {
    this.#rates = rates;
    this.#random = createRandom(hashString("faults", seed));
    this.#randomAfterAnswer = createRandom(hashString("faults-after-answer", seed));
  }

  failNext(kind: FaultKind, options: FailNextOptions = {}): void {
    if (!FAULT_KINDS.includes(kind)) {
      throw new InvalidOptionError(
        `Unknown fault kind ${JSON.stringify(kind)}; use one of ${FAULT_KINDS.join(", ")}.`,
      );
    }
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidOptionError(`failNext: \`count\` must be a positive integer, got ${String(count)}.`);
    }
    const { retryAfterSeconds, delayMs } = options;
    if (retryAfterSeconds !== undefined && !(Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0)) {
      throw new InvalidOptionError(
        `failNext: \`retryAfterSeconds\` must be a number >= 0, got ${retryAfterSeconds}.`,
      );
    }
    if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
      throw new InvalidOptionError(`failNext: \`delayMs\` must be a number >= 0, got ${delayMs}.`);
    }
    this.#queue.push({ kind, remaining: count, retryAfterSeconds, delayMs });
  }

  /** The fault for the next model request. A midstream fault on a non-streaming request becomes a 529. */
  next(request: { readonly streaming: boolean }): InjectedFault | undefined {
    const queued = this.#queue[0];
    if (queued) {
      queued.remaining--;
      if (queued.remaining === 0) this.#queue.shift();
      const { kind, retryAfterSeconds, delayMs } = queued;
      if (kind === "midstream_overloaded" && !request.streaming) return { kind: "overloaded" };
      return { kind, retryAfterSeconds, delayMs };
    }
    return this.#draw(request.streaming);
  }

  /** Empties the `failNext` queue. */
  clear(): void {
    this.#queue.length = 0;
  }

  /** Restarts the random fault sequence from `seed`. */
  reseed(seed: number): void {
    this.#random = createRandom(hashString("faults", seed));
    this.#randomAfterAnswer = createRandom(hashString("faults-after-answer", seed));
  }

  #draw(streaming: boolean): InjectedFault | undefined {
    const rates = this.#rates();
    // Draw every value on every request so one rate's setting never shifts another's sequence.
    const reset = this.#random();
    const overloaded = this.#random();
    const midstream = this.#random();
    const malformed = this.#random();
    const slow = this.#random();
    const resetAfterAnswer = this.#randomAfterAnswer();
    const cut = this.#randomAfterAnswer();
    if (reset < rates.connectionResetRate) return { kind: "connection_reset" };
    if (overloaded < rates.overloadedRate) return { kind: "overloaded" };
    if (streaming && midstream < rates.midStreamErrorRate) return { kind: "midstream_overloaded" };
    if (malformed < rates.malformedRate) return { kind: "malformed_json" };
    if (slow < rates.slowRate) return { kind: "slow" };
    if (resetAfterAnswer < rates.resetAfterAnswerRate) return { kind: "reset_after_answer" };
    if (cut < rates.streamCutRate) return { kind: "stream_cut" };
    return undefined;
  }
}
