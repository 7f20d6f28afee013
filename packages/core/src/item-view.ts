import type { SignalOf } from "./abort-signal.js";
import { NEVER_ABORTED, type Scope } from "./scope.js";

/**
 * What one item of a parallel batch sees as `this`: the node itself, except that `currentRetry`
 * and `signal` are the item's own. pocketflow shares one `currentRetry` between concurrent items,
 * so items that succeed on a later attempt can fall back early; this view fixes that while reads and
 * writes of every other field still reach the node, as they do in pocketflow.
 *
 * A Proxy rather than `Object.create(node)` so that `this.count++` in exec still updates the node.
 * The cost: exec and execFallback of a parallel node cannot use JavaScript `#private` fields (TypeScript
 * `private` members are fine).
 */
export function itemView<N extends object>(node: N, batchScope: Scope, scope?: Scope): ItemView<N> {
  const view = new ItemView(node, batchScope);
  if (scope) view._scope = scope;
  return view;
}

export class ItemView<N extends object> implements ProxyHandler<N> {
  readonly view: N;
  currentRetry = 0;
  _scope: Scope | undefined = undefined;
  /** Created only when exec reads `this.signal` while running directly under the batch. */
  private own: Scope | undefined;
  /** The item's promise, once exec has returned it. */
  private pending: Promise<unknown> | undefined;

  constructor(
    node: N,
    private readonly batchScope: Scope,
  ) {
    this.view = new Proxy(node, this);
  }

  get(target: N, key: string | symbol, receiver: unknown): unknown {
    if (key === "currentRetry") return this.currentRetry;
    if (key === "signal") return this.signal();
    if (key === "_scope") return this._scope;
    // The view as receiver: a getter defined on a subclass (`get attempt() { return this.currentRetry }`)
    // then reads the item's own state, not the shared node's.
    return Reflect.get(target, key, receiver);
  }

  /**
   * Each item gets a signal of its own even when it shares the batch's scope: code that hands
   * `this.signal` to fetch or an SDK adds a listener per call, and sixty-four of them on one shared
   * signal would trip Node's listener-leak warning.
   */
  private signal(): SignalOf {
    const scope = this._scope;
    if (scope === undefined) return NEVER_ABORTED;
    if (scope !== this.batchScope) return scope.signal;
    if (this.own === undefined) {
      this.own = scope.child();
      if (this.pending) this.releaseWhenSettled(this.pending);
    }
    return this.own.signal;
  }

  /**
   * Hands back the item's promise, arranging for its own signal (if exec asked for one) to be let
   * go when the item settles: simple plans pay for that only when exec reads `this.signal`.
   */
  track<T>(pending: Promise<T>): Promise<T> {
    this.pending = pending;
    if (this.own) this.releaseWhenSettled(pending);
    return pending;
  }

  private releaseWhenSettled(pending: Promise<unknown>): void {
    const release = () => this.release();
    pending.then(release, release);
  }

  release(): void {
    this.own?.dispose();
  }

  set(target: N, key: string | symbol, value: unknown, receiver: unknown): boolean {
    if (key === "currentRetry") this.currentRetry = value as number;
    else if (key === "_scope") this._scope = value as Scope | undefined;
    else return Reflect.set(target, key, value, receiver);
    return true;
  }
}
