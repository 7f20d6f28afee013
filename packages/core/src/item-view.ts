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
export function itemView<N extends object>(node: N): N {
  return new Proxy(node, new ItemState()) as N;
}

class ItemState implements ProxyHandler<object> {
  currentRetry = 0;
  _scope: Scope | undefined = undefined;

  get(target: object, key: string | symbol): unknown {
    if (key === "currentRetry") return this.currentRetry;
    if (key === "signal") return this._scope?.signal ?? NEVER_ABORTED;
    if (key === "_scope") return this._scope;
    return Reflect.get(target, key);
  }

  set(target: object, key: string | symbol, value: unknown): boolean {
    if (key === "currentRetry") this.currentRetry = value as number;
    else if (key === "_scope") this._scope = value as Scope | undefined;
    else return Reflect.set(target, key, value);
    return true;
  }
}
