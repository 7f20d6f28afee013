import type { Admission } from "./admission/admission.js";
import type { Deadlines } from "./deadlines.js";
import { type ProviderRefusal, ThrottleClosedError, ThrottleQuotaError } from "./errors.js";
import type { Retries } from "./retries.js";
import type { ThrottleState } from "./state.js";

export interface CloseOptions {
  /** Let queued jobs (and their retries) run to the end instead of rejecting them. Default false. */
  readonly drain?: boolean;
}

/**
 * Whether the throttle takes work: open, closing (rejecting what waits, or letting it finish), or
 * halted by a quota refusal until `resume()`; and the moment it becomes idle.
 */
export class Lifecycle {
  mode: "open" | "drain" | "reject" = "open";
  halt: { readonly refusal: ProviderRefusal; readonly cause: unknown } | undefined;
  private readonly closeWaiters: (() => void)[] = [];

  constructor(
    private readonly state: ThrottleState,
    private readonly retries: Retries,
    private readonly deadlines: Deadlines,
    private readonly admission: Admission,
  ) {}

  /** Why a new job cannot be accepted now, if it cannot. */
  refusal(): Error | undefined {
    if (this.mode !== "open") return new ThrottleClosedError();
    if (this.halt !== undefined) return this.quotaError();
    return undefined;
  }

  /** Whether a failed attempt may still be retried (not while closing with rejection, nor halted). */
  get retriesAllowed(): boolean {
    return this.mode !== "reject" && this.halt === undefined;
  }

  close(options: CloseOptions): Promise<void> {
    if (this.mode === "open") {
      this.mode = options.drain === true ? "drain" : "reject";
      if (this.mode === "reject") this.rejectWaiting(() => new ThrottleClosedError());
    }
    if (this.isIdle()) {
      this.admission.stopTimer();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  haltFor(refusal: ProviderRefusal, cause: unknown): void {
    this.halt = { refusal, cause };
    this.rejectWaiting(() => this.quotaError());
    this.state.emitter.emit("quota", { error: this.quotaError() });
  }

  resume(): void {
    this.halt = undefined;
  }

  quotaError(): ThrottleQuotaError {
    const halt = this.halt!;
    return new ThrottleQuotaError(halt.refusal, { cause: halt.cause });
  }

  /** A promise rejected with `error`, counted as a job refused before it ran. */
  refuse<T>(error: unknown): Promise<T> {
    this.state.counts.rejected++;
    return Promise.reject(error);
  }

  isIdle(): boolean {
    return this.state.running === 0 && this.state.queue.size === 0 && this.retries.size === 0;
  }

  checkIdle(): void {
    if (!this.isIdle()) return;
    this.state.emitter.emit("idle", {});
    if (this.mode !== "open") {
      this.admission.stopTimer();
      for (const resolve of this.closeWaiters.splice(0)) resolve();
    }
  }

  /** Fails every job that has not started (queued or in retry backoff). */
  private rejectWaiting(makeError: () => unknown): void {
    const waiting = [...this.state.queue.clear(), ...this.retries.clear()];
    this.deadlines.clear();
    for (const job of waiting) {
      this.state.counts.rejected++;
      this.state.finish(job, false, makeError());
    }
    this.checkIdle();
  }
}
