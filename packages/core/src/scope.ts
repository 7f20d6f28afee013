import type { SignalOf } from "./abort-signal.js";
import { AbortError } from "./errors.js";
import { startTimer } from "./timers.js";

/** The signal seen outside any run: it never fires. */
export const NEVER_ABORTED: SignalOf = new AbortController().signal;

/**
 * A node in the tree of cancellation: run → batch → item → attempt. Aborting a scope aborts every
 * scope below it.
 *
 * Why not one AbortSignal per level: a batch of a million items would then hang a million listeners
 * on one signal (Node warns after ten) and allocate an AbortController per item even when nobody
 * reads it. A scope keeps its children in a Set and creates its AbortSignal only when user code asks
 * for `this.signal`.
 */
export class Scope {
  private controller: AbortController | undefined;
  private children: Set<Scope> | undefined;
  private callbacks: Set<(reason: unknown) => void> | undefined;
  private _aborted = false;
  private _reason: unknown;

  private constructor(private readonly parent: Scope | undefined) {}

  /**
   * A scope that follows `signal` (if any). Call `dispose()` when the run is over. Nothing but the
   * caller's signal aborts a root scope, so its `signal` is the caller's own: a run allocates no
   * AbortController of its own, however many runs share one long-lived signal. Without one, the
   * run's signal is created when first read, and dies with the run (listeners left on it included).
   */
  static root(signal?: SignalOf): Scope {
    const scope = new Scope(undefined);
    scope.external = signal;
    if (signal) {
      if (signal.aborted) scope.abort(signal.reason);
      else {
        const onAbort = () => scope.abort(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        scope.onDispose = () => signal.removeEventListener("abort", onAbort);
      }
    }
    return scope;
  }

  private onDispose: (() => void) | undefined;
  /** A root scope's signal: the caller's. */
  private external: SignalOf | undefined;

  child(): Scope {
    const child = new Scope(this);
    if (this._aborted) child.abort(this._reason);
    else {
      this.children ??= new Set();
      this.children.add(child);
    }
    return child;
  }

  get aborted(): boolean {
    return this._aborted;
  }

  get reason(): unknown {
    return this._reason;
  }

  /** The AbortSignal user code sees as `this.signal`; created on first use. */
  get signal(): SignalOf {
    if (this.external) return this.external;
    if (!this.controller) {
      this.controller = new AbortController();
      if (this._aborted) this.controller.abort(this._reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown = new AbortError()): void {
    if (this._aborted) return;
    this._aborted = true;
    this._reason = reason;
    this.controller?.abort(reason);
    if (this.callbacks) for (const callback of this.callbacks) callback(reason);
    if (this.children) for (const child of this.children) child.abort(reason);
    this.callbacks = undefined;
    this.children = undefined;
  }

  throwIfAborted(): void {
    if (this._aborted) throw this._reason;
  }

  /** Calls `callback` once if this scope aborts; returns the function that unregisters it. */
  onAbort(callback: (reason: unknown) => void): () => void {
    if (this._aborted) {
      callback(this._reason);
      return noop;
    }
    this.callbacks ??= new Set();
    const callbacks = this.callbacks;
    callbacks.add(callback);
    return () => callbacks.delete(callback);
  }

  /** Detaches the scope from its parent so a long batch does not keep finished items alive. */
  dispose(): void {
    this.parent?.children?.delete(this);
    this.onDispose?.();
    this.onDispose = undefined;
  }

  /**
   * Settles with `promise`, or rejects with the abort reason as soon as this scope aborts, whichever
   * comes first. Work that ignores its signal keeps running in the background, but the caller is
   * released at once.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this._aborted) {
      promise.catch(noop);
      return Promise.reject(this._reason);
    }
    return new Promise<T>((resolve, reject) => {
      const unregister = this.onAbort(reject);
      promise.then(
        (value) => {
          unregister();
          resolve(value);
        },
        (error) => {
          unregister();
          reject(error);
        },
      );
    });
  }

  /** Waits `ms`, or rejects with the abort reason if the scope aborts first. */
  sleep(ms: number): Promise<void> {
    if (this._aborted) return Promise.reject(this._reason);
    return new Promise<void>((resolve, reject) => {
      const cancel = startTimer(() => {
        unregister();
        resolve();
      }, ms);
      const unregister = this.onAbort((reason) => {
        cancel();
        reject(reason);
      });
    });
  }
}

function noop(): void {}
