import type { BudgetLimit } from "./options.js";

/** Tokens of one or more calls, as estimated before or counted after. */
export interface TokenCount {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What a piece of work is charged in the budget's unit (dollars or tokens). */
export type Measure = (tokens: TokenCount) => number;

export const NO_TOKENS: TokenCount = { inputTokens: 0, outputTokens: 0 };

/**
 * One file's share of the budget: its estimate, held from when it starts until it finishes. Every
 * call of the file is charged against it, so in-flight work is counted once: a file commits the
 * larger of its estimate and what its calls were charged (plus what its calls in flight may still
 * cost). `close()` gives back what the file did not use.
 */
export interface Reservation {
  /** The file's estimate, in the budget's unit. */
  readonly amount: number;
  /** Charged so far, in the budget's unit. */
  readonly charged: number;
  /**
   * Admits one attempt that may cost up to `worstCase`, or returns undefined when it would take the
   * run past the budget (its file's reservation used up and no room left beside it).
   */
  admit(worstCase: TokenCount): Attempt | undefined;
  /** The file is finished: what it did not use goes back to the budget. */
  close(): void;
}

/** An admitted attempt: settle it once with what it cost (its worst case when the outcome is unknown). */
export interface Attempt {
  settle(actual: TokenCount): void;
}

/**
 * Keeps a run within its --budget. A file starts only if its estimate (every call's input estimate
 * plus `max-tokens` of output, the most a call can cost) fits beside what is committed: money
 * spent, and the unused estimates of files in flight. A file that does not fit waits while other
 * files are in flight (they usually give most of their estimate back); once nothing is in flight
 * and it still does not fit, it is skipped, and later files that fit still run. Each attempt is
 * admitted too, so retries whose outcome is unknown (counted at their worst case) can never carry
 * the run past the limit by more than the error of one request's estimate.
 *
 * @example
 * const budget = new Budget({ unit: "tokens", amount: 50_000 }, (t) => t.inputTokens + t.outputTokens);
 * const file = await budget.reserve({ inputTokens: 3_000, outputTokens: 512 }); // undefined: skipped
 * const attempt = file!.admit({ inputTokens: 3_000, outputTokens: 512 });
 * attempt!.settle({ inputTokens: 2_750, outputTokens: 180 });
 * file!.close(); // the unused 582 tokens go back
 */
export class Budget {
  private spentAmount = 0;
  private refused = false;
  private readonly active = new Set<FileReservation>();
  private waiters: (() => void)[] = [];

  constructor(
    readonly limit: BudgetLimit | undefined,
    private readonly measure: Measure,
  ) {}

  /** True once some work was refused for lack of budget. */
  get reached(): boolean {
    return this.refused;
  }

  /** Charged so far, in the budget's unit: finished calls, and unknown outcomes at their worst case. */
  get spent(): number {
    return this.spentAmount;
  }

  /** Spent plus what files in flight still hold. */
  get committed(): number {
    let held = 0;
    for (const file of this.active) held += file.held;
    return this.spentAmount - this.chargedByActive() + held;
  }

  /**
   * Reserves a file's estimate. Waits while it does not fit and other files are in flight;
   * resolves to undefined (the file is skipped) when it does not fit with nothing in flight, or
   * when `signal` aborts.
   */
  async reserve(estimate: TokenCount, signal?: AbortSignal): Promise<Reservation | undefined> {
    const amount = this.measure(estimate);
    for (;;) {
      if (signal?.aborted) return undefined;
      if (this.limit === undefined || this.committed + amount <= this.limit.amount) {
        const file = new FileReservation(this, amount);
        this.active.add(file);
        return file;
      }
      if (this.active.size === 0) {
        this.refused = true;
        return undefined;
      }
      await this.nextChange(signal);
    }
  }

  /** "$2.00" or "500,000 tokens". */
  describe(): string {
    if (this.limit === undefined) return "no budget";
    return formatBudgetAmount(this.limit.unit, this.limit.amount);
  }

  /** @internal */
  measureOf(tokens: TokenCount): number {
    return this.measure(tokens);
  }

  /** @internal Whether growing one file's hold by `extra` keeps the run within the limit. */
  roomFor(extra: number): boolean {
    return this.limit === undefined || this.committed + extra <= this.limit.amount;
  }

  /** @internal */
  charge(amount: number): void {
    this.spentAmount += amount;
    this.changed();
  }

  /** @internal */
  refuse(): void {
    this.refused = true;
  }

  /** @internal */
  closed(file: FileReservation): void {
    this.active.delete(file);
    this.changed();
  }

  private chargedByActive(): number {
    let charged = 0;
    for (const file of this.active) charged += file.charged;
    return charged;
  }

  private changed(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private nextChange(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}

class FileReservation implements Reservation {
  charged = 0;
  /** Worst cases of the file's attempts in flight. */
  private inFlight = 0;
  private open = true;

  constructor(
    private readonly budget: Budget,
    readonly amount: number,
  ) {}

  /** What the file commits: its estimate, or more once its calls were charged more. */
  get held(): number {
    return Math.max(this.amount, this.charged + this.inFlight);
  }

  admit(worstCase: TokenCount): Attempt | undefined {
    const cost = this.budget.measureOf(worstCase);
    const extra = Math.max(0, this.charged + this.inFlight + cost - this.held);
    if (extra > 0 && !this.budget.roomFor(extra)) {
      this.budget.refuse();
      return undefined;
    }
    this.inFlight += cost;
    let settled = false;
    return {
      settle: (actual) => {
        if (settled) return;
        settled = true;
        this.inFlight -= cost;
        const amount = this.budget.measureOf(actual);
        this.charged += amount;
        this.budget.charge(amount);
      },
    };
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.budget.closed(this);
  }
}

export function formatBudgetAmount(unit: BudgetLimit["unit"], amount: number): string {
  return unit === "usd" ? `$${amount.toFixed(2)}` : `${Math.round(amount).toLocaleString("en-US")} tokens`;
}
