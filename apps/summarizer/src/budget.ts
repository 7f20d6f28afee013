import type { BudgetLimit } from "./options.js";

/** Tokens of one or more calls, as estimated before or counted after. */
export interface TokenCount {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What a piece of work is charged in the budget's unit (dollars or tokens). */
export type Measure = (tokens: TokenCount) => number;

/** A file's estimated cost, held from when it starts until it finishes. */
export interface Reservation {
  readonly amount: number;
}

/**
 * Keeps a run within its --budget. A file may start only if its estimate (every call's input
 * estimate plus `max-tokens` of output, which is what a call can cost at most) fits in what is left
 * after the money already spent and the estimates of files still in flight. The first file that does
 * not fit stops all launching: it and every file after it are skipped with "budget reached", while
 * files in flight finish within their reservations.
 *
 * @example
 * const budget = new Budget({ unit: "tokens", amount: 50_000 }, (t) => t.inputTokens + t.outputTokens);
 * const held = budget.tryReserve({ inputTokens: 3_000, outputTokens: 512 }); // undefined once reached
 * budget.spend({ inputTokens: 2_750, outputTokens: 180 });
 * budget.release(held!);
 */
export class Budget {
  private spentAmount = 0;
  private reservedAmount = 0;
  private stopped = false;

  constructor(
    readonly limit: BudgetLimit | undefined,
    private readonly measure: Measure,
  ) {}

  /** True once a file was refused: nothing else starts. */
  get reached(): boolean {
    return this.stopped;
  }

  /** Spent so far, in the budget's unit. */
  get spent(): number {
    return this.spentAmount;
  }

  /** Reserves a file's estimate, or returns undefined (and stops all launching) when it does not fit. */
  tryReserve(estimate: TokenCount): Reservation | undefined {
    const amount = this.measure(estimate);
    if (this.limit === undefined) return { amount: 0 };
    if (this.stopped || this.spentAmount + this.reservedAmount + amount > this.limit.amount) {
      this.stopped = true;
      return undefined;
    }
    this.reservedAmount += amount;
    return { amount };
  }

  /** Counts what a finished call really used. */
  spend(actual: TokenCount): void {
    this.spentAmount += this.measure(actual);
  }

  /** Gives back a file's reservation once it finished (its calls were counted by `spend`). */
  release(reservation: Reservation): void {
    if (this.limit === undefined) return;
    this.reservedAmount = Math.max(0, this.reservedAmount - reservation.amount);
  }

  /** "$2.00" or "500,000 tokens". */
  describe(): string {
    if (this.limit === undefined) return "no budget";
    return formatBudgetAmount(this.limit.unit, this.limit.amount);
  }
}

export function formatBudgetAmount(unit: BudgetLimit["unit"], amount: number): string {
  return unit === "usd" ? `$${amount.toFixed(2)}` : `${Math.round(amount).toLocaleString("en-US")} tokens`;
}
