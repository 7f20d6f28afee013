import { type ExecPlan, execWithRetries, planExec, simpleWorker } from "./attempt.js";
import { RunContext } from "./context.js";
import { InvalidArgumentError } from "./errors.js";
import { Flow } from "./flow.js";
import { itemView } from "./item-view.js";
import { type BatchItems, toItemSource } from "./items.js";
import { type BaseNode, Node } from "./node.js";
import {
  type BatchFlowOptions,
  type BatchNodeOptions,
  checkFailFast,
  resolveNodeOptions,
} from "./options.js";
import { runWindow, type WindowProgress } from "./window.js";

/**
 * prep returns the items; exec runs once per item, one after another, each with its own retries and
 * fallback; post receives the results in input order (or settled outcomes with `failFast: false`).
 */
export class BatchNode<S = unknown, P extends object = Record<string, unknown>> extends Node<S, P> {
  protected readonly _failFast: boolean;

  constructor(maxRetries?: number, wait?: number);
  constructor(options?: BatchNodeOptions);
  constructor(maxRetriesOrOptions?: number | BatchNodeOptions, wait?: number) {
    const options = resolveNodeOptions<BatchNodeOptions>(maxRetriesOrOptions, wait);
    super(options);
    this._failFast = checkFailFast(options.failFast);
  }

  override async _exec(items: unknown, context: RunContext = RunContext.root()): Promise<unknown[]> {
    return execBatch(this, items, context, planExec(this, this._options), {
      concurrency: 1,
      failFast: this._failFast,
      isolateItems: false,
    });
  }
}

interface BatchShape {
  readonly concurrency: number;
  readonly failFast: boolean;
  /** Concurrent items each get their own view of the node (see item-view.ts). */
  readonly isolateItems: boolean;
}

export function execBatch(
  node: Node<any, any>,
  items: unknown,
  context: RunContext,
  plan: ExecPlan,
  shape: BatchShape,
): Promise<unknown[]> {
  const source = toItemSource(items as BatchItems<unknown>, node.getName());
  const batchScope = context.scope.child();
  const shared = context.withScope(batchScope);
  let worker: (item: unknown, index: number) => Promise<unknown>;
  if (plan.simple) {
    // One attempt and no per-attempt scope: nothing is allocated per item beyond exec's promise
    // and, for a parallel node, the item's view (its signal is created only if exec reads it).
    const ownFallback = node.execFallback !== Node.prototype.execFallback;
    worker = simpleWorker(node, batchScope, { ownFallback, isolateItems: shape.isolateItems });
  } else if (shape.isolateItems) {
    // Retries, a timeout or a limiter: each item needs its own currentRetry and signal.
    worker = (item, index) => {
      const state = itemView(node, batchScope);
      return execWithRetries(state.view, item, shared, plan, index, state);
    };
  } else {
    worker = (item, index) => execWithRetries(node, item, shared, plan, index);
  }
  return runWindow(source, worker, {
    concurrency: shape.concurrency,
    failFast: shape.failFast,
    scope: batchScope,
    onProgress: progressReporter(context),
  }).finally(() => batchScope.dispose());
}

export function progressReporter(context: RunContext): ((progress: WindowProgress) => void) | undefined {
  return context.observed ? (progress) => context.emit({ type: "progress", ...progress }) : undefined;
}

/**
 * prep returns one params object per run; the sub-flow runs once per entry, one after another, with
 * params `{ ...flowParams, ...entry }`. post receives each run's last action in input order (or
 * settled outcomes with `failFast: false`).
 */
export class BatchFlow<
  S = unknown,
  P extends object = Record<string, unknown>,
  // Kept so pocketflow code that names a third type argument still compiles; prep may return any
  // (async) iterable of param objects.
  _NP extends object[] = Record<string, unknown>[],
> extends Flow<S, P> {
  protected readonly _failFast: boolean;
  protected readonly _concurrency: number = 1;

  constructor(start: BaseNode<any, any>, options: BatchFlowOptions = {}) {
    super(start, options);
    this._failFast = checkFailFast(options.failFast);
  }

  override async prep(_shared: S): Promise<BatchItems<object>> {
    return [];
  }

  protected override _runBody(shared: S, prepRes: unknown, context: RunContext): Promise<unknown[]> {
    const name = this.getName();
    const source = toItemSource(prepRes as BatchItems<object>, name);
    const batchScope = context.scope.child();
    return runWindow(
      source,
      (entry: unknown, index: number) => {
        if (typeof entry !== "object" || entry === null) {
          throw new InvalidArgumentError(
            `${name}.prep must return param objects, one per run (entry ${index} is ${String(entry)}).`,
          );
        }
        const runScope = batchScope.child();
        const params = { ...this._params, ...entry } as P;
        return this._orchestrate(shared, params, context.withScope(runScope, index)).finally(() =>
          runScope.dispose(),
        );
      },
      {
        concurrency: this._concurrency,
        failFast: this._failFast,
        scope: batchScope,
        onProgress: progressReporter(context),
      },
    ).finally(() => batchScope.dispose());
  }
}
