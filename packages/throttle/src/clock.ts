/**
 * Where the throttle gets the time and its single timer from. Inject a `ManualClock` to run the whole
 * limiter in virtual time: tests then need no real sleeps.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (deadlines are compared against this). */
  now(): number;
  /** Calls `callback` once, after `delayMs`. Returns a handle for `clearTimer`. */
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

// setTimeout fires at once for delays above 2^31 - 1 ms; a long retry-after must not become "now".
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Wall-clock time and Node's timers. The timer is not unref'd: queued work keeps the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) =>
    setTimeout(callback, Math.min(MAX_TIMER_DELAY_MS, Math.max(0, Math.ceil(delayMs)))),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  readonly at: number;
  readonly sequence: number;
  readonly callback: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in time order as `advance` passes them, and
 * promise callbacks queued by each timer run before the next one fires, so `await clock.advance(ms)`
 * behaves like `ms` of real time passing, instantly.
 *
 * @example
 * const clock = new ManualClock();
 * const throttle = new Throttle({ requestsPerMinute: 60, clock });
 * const done = Promise.all([throttle.run(work), throttle.run(work)]);
 * await clock.advance(1_000); // the second request is admitted one second after the first
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new Map<number, ManualTimer>();
  private nextId = 1;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : Number.MAX_SAFE_INTEGER;
    this.timers.set(id, { at: this.current + delay, sequence: id, callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the next timer fires, or undefined when none is set. */
  get nextTimerAt(): number | undefined {
    return this.earliest()?.[1].at;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `time` (never backwards), firing due timers in order. */
  async advanceTo(time: number): Promise<void> {
    await settlePromises();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next[1].at > time) break;
      const [id, timer] = next;
      this.timers.delete(id);
      this.current = Math.max(this.current, timer.at);
      timer.callback();
      await settlePromises();
    }
    this.current = Math.max(this.current, time);
  }

  /**
   * Fires timers in order until none is left, at most `maxTimers` of them (a guard against a timer
   * that keeps re-arming itself). Returns how many fired.
   */
  async runAll(maxTimers = 100_000): Promise<number> {
    await settlePromises();
    let fired = 0;
    while (fired < maxTimers) {
      const next = this.earliest();
      if (next === undefined) break;
      const [id, timer] = next;
      this.timers.delete(id);
      this.current = Math.max(this.current, timer.at);
      timer.callback();
      fired++;
      await settlePromises();
    }
    return fired;
  }

  private earliest(): [number, ManualTimer] | undefined {
    let best: [number, ManualTimer] | undefined;
    for (const entry of this.timers) {
      const timer = entry[1];
      if (
        best === undefined ||
        timer.at < best[1].at ||
        (timer.at === best[1].at && timer.sequence < best[1].sequence)
      ) {
        best = entry;
      }
    }
    return best;
  }
}

/** Lets every queued promise callback run: the microtask queue drains before setImmediate fires. */
function settlePromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
