import type { SignalOf } from "./abort-signal.js";
import type { RunContext } from "./context.js";
import { ExecTimeoutError } from "./errors.js";
import { itemView } from "./item-view.js";
import type { Limiter, LimiterCost, LimiterTaskContext } from "./limiter.js";
import type { NodeOptions } from "./options.js";
import { RetryPolicy } from "./retry.js";
import type { Scope } from "./scope.js";
import { startTimer } from "./timers.js";

/** Everything an exec needs that does not change between items or visits. */
export interface ExecPlan {
  /** One attempt, no limiter, no timeout: exec runs as pocketflow runs it, with nothing around it. */
  readonly simple: boolean;
  readonly name: string;
  readonly policy: RetryPolicy;
  readonly timeoutMs: number | undefined;
  readonly limiter: Limiter | undefined;
  readonly cost: ((item: unknown) => LimiterCost | undefined) | undefined;
}

/** The part of a node an attempt touches; a parallel item passes its own view of the node. */
interface AttemptTarget {
  currentRetry: number;
  _scope: Scope | undefined;
  exec(prepRes: unknown): Promise<unknown>;
  execFallback(prepRes: unknown, error: Error): Promise<unknown>;
}

interface PlannableNode {
  maxRetries: number;
  wait: number;
  getName(): string;
}

// Plans by options object: every clone a flow makes of a node shares its options, so visits reuse
// one plan without the node carrying another field.
const plans = new WeakMap<NodeOptions, ExecPlan>();

/** One attempt, no limiter, no timeout: exec runs as pocketflow runs it, with nothing around it. */
export function isSimple(node: PlannableNode, options: NodeOptions): boolean {
  return node.maxRetries === 1 && options.limiter === undefined && options.timeout === undefined;
}

/**
 * Reads `maxRetries` and `wait` at run time (pocketflow code may set them after construction), and
 * builds a new plan only when they or the name changed since the last visit.
 */
export function planExec(node: PlannableNode, options: NodeOptions): ExecPlan {
  const cached = plans.get(options);
  const { maxRetries, wait } = node;
  const name = node.getName();
  if (
    cached &&
    cached.policy.maxRetries === maxRetries &&
    cached.policy.wait === wait &&
    cached.name === name
  ) {
    return cached;
  }
  const plan: ExecPlan = {
    simple: isSimple(node, options),
    name,
    policy: new RetryPolicy({ ...options, maxRetries, wait }),
    timeoutMs: options.timeout,
    limiter: options.limiter,
    cost: options.cost,
  };
  plans.set(options, plan);
  return plan;
}

/**
 * The per-item worker of a simple plan. With the default fallback (which rethrows) an item costs
 * exec's own promise and, for a parallel node, the item's view; a node with a fallback of its own
 * goes through `execOnce`.
 */
export function simpleWorker(
  node: object,
  batchScope: Scope,
  options: { readonly ownFallback: boolean; readonly isolateItems: boolean },
): (item: unknown) => Promise<unknown> {
  const target = node as AttemptTarget;
  target.currentRetry = 0;
  target._scope = batchScope;
  const { ownFallback, isolateItems } = options;
  if (!isolateItems) {
    return ownFallback ? (item) => execOnce(target, item, batchScope) : (item) => callExec(target, item);
  }
  return (item) => {
    const state = itemView(node, batchScope, batchScope);
    const view = state.view as AttemptTarget;
    // exec is looked up on the node, not through the view's trap, and runs with the view as `this`.
    return state.track(ownFallback ? execOnce(view, item, batchScope) : callExecAs(target, view, item));
  };
}

function callExecAs(node: AttemptTarget, view: AttemptTarget, prepRes: unknown): Promise<unknown> {
  try {
    return Promise.resolve(node.exec.call(view, prepRes));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The simple plan's exec: one attempt, then the fallback, with no retry loop, scope or timer
 * around it, so the drop-in path costs what pocketflow's does.
 */
export async function execOnce(target: object, prepRes: unknown, scope: Scope): Promise<unknown> {
  const node = target as AttemptTarget;
  node.currentRetry = 0;
  node._scope = scope;
  try {
    return await node.exec(prepRes);
  } catch (error) {
    if (scope.aborted) throw scope.reason;
    node._scope = scope;
    return await node.execFallback(prepRes, error as Error);
  }
}

/**
 * Runs exec until it succeeds, the policy gives up, or the scope is cancelled; then the fallback.
 * Cancellation wins over retries and fallback: a cancelled run never starts another attempt.
 */
export async function execWithRetries(
  node: object,
  prepRes: unknown,
  context: RunContext,
  plan: ExecPlan,
  batchItem: number | undefined,
  item?: { release(): void },
): Promise<unknown> {
  const target = node as AttemptTarget;
  const scope = context.scope;
  try {
    for (let attempt = 1; ; attempt++) {
      target.currentRetry = attempt - 1;
      try {
        return await runAttempt(target, prepRes, context, plan);
      } catch (error) {
        if (scope.aborted) throw scope.reason;
        if (!plan.policy.shouldRetry(error, attempt)) {
          target._scope = scope;
          return await callFallback(target, prepRes, error);
        }
        const delayMs = plan.policy.delayMs(error, attempt);
        context.emit({ type: "retry", attempt, delayMs, error, batchItem });
        if (delayMs > 0) await scope.sleep(delayMs);
      }
    }
  } finally {
    item?.release();
  }
}

function runAttempt(target: AttemptTarget, prepRes: unknown, context: RunContext, plan: ExecPlan) {
  const scope = context.scope;
  // The attempt loop, a batch window or a limiter may resume after the scope aborted; exec never does.
  if (scope.aborted) return Promise.reject(scope.reason);
  const { limiter, timeoutMs } = plan;
  if (limiter === undefined) {
    if (timeoutMs === undefined) {
      // The common path allocates no scope, timer or controller of its own, and does not race the
      // scope: whoever waits on the run (run(), a batch window) is released on abort already.
      target._scope = scope;
      return callExec(target, prepRes);
    }
    return attemptUnder(target, prepRes, context, plan, undefined);
  }
  const cost = plan.cost?.(prepRes);
  // Every attempt of a batch passes the batch's one signal: the limiter keeps one listener per
  // signal, however many attempts wait on it.
  const signal = context.signal;
  const options = cost ? { signal, cost } : { signal };
  return scope.race(limiter.run((task) => admitted(target, prepRes, context, plan, task), options));
}

/** What an attempt that never reached exec reports to the limiter: nothing was spent. */
const NOTHING_SPENT = { requests: 0, inputTokens: 0, outputTokens: 0, tokens: 0 } as const;

/**
 * The limiter task. A limiter may admit a job in the same pass in which the run is being cancelled
 * (withdrawing one job of a signal can admit the next before its abort is seen), so the rule "no
 * exec under an aborted signal" is checked here, after admission and before exec, and the unused
 * reservation is handed back.
 */
function admitted(
  target: AttemptTarget,
  prepRes: unknown,
  context: RunContext,
  plan: ExecPlan,
  task: LimiterTaskContext | undefined,
): Promise<unknown> {
  const scope = context.scope;
  const limiterSignal = task?.signal;
  if (scope.aborted || limiterSignal?.aborted) {
    task?.reportUsage?.(NOTHING_SPENT);
    return Promise.reject(scope.aborted ? scope.reason : limiterSignal?.reason);
  }
  // A limiter that hands back the very signal it was given adds nothing to follow.
  const own = limiterSignal === undefined || limiterSignal === context.signal ? undefined : limiterSignal;
  if (own === undefined && plan.timeoutMs === undefined) {
    target._scope = scope;
    return callExec(target, prepRes);
  }
  return attemptUnder(target, prepRes, context, plan, own);
}

/** An attempt with a scope of its own: it aborts on the node's timeout or the limiter's signal. */
function attemptUnder(
  target: AttemptTarget,
  prepRes: unknown,
  context: RunContext,
  plan: ExecPlan,
  limiterSignal: SignalOf | undefined,
): Promise<unknown> {
  const { timeoutMs } = plan;
  const scope = context.scope.child();
  const unfollow = limiterSignal ? follow(limiterSignal, scope) : undefined;
  const cancelTimer =
    timeoutMs === undefined
      ? undefined
      : startTimer(() => scope.abort(new ExecTimeoutError(plan.name, timeoutMs)), timeoutMs);
  const done = () => {
    cancelTimer?.();
    unfollow?.();
    scope.dispose();
  };
  if (scope.aborted) {
    done();
    return Promise.reject(scope.reason);
  }
  target._scope = scope;
  return scope.race(callExec(target, prepRes)).finally(done);
}

// User hooks may throw synchronously or return a non-promise; both become a promise. Two plain
// functions rather than one taking a closure: this runs once per item, a million times in a batch.
function callExec(target: AttemptTarget, prepRes: unknown): Promise<unknown> {
  try {
    return Promise.resolve(target.exec(prepRes));
  } catch (error) {
    return Promise.reject(error);
  }
}

function callFallback(target: AttemptTarget, prepRes: unknown, error: unknown): Promise<unknown> {
  try {
    return Promise.resolve(target.execFallback(prepRes, error as Error));
  } catch (fallbackError) {
    return Promise.reject(fallbackError);
  }
}

function follow(signal: SignalOf, scope: Scope): () => void {
  if (signal.aborted) {
    scope.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => scope.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
