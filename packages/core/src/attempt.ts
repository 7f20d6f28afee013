import type { RunContext } from "./context.js";
import { TimeoutError } from "./errors.js";
import type { Limiter, LimiterCost } from "./limiter.js";
import type { NodeOptions } from "./options.js";
import { RetryPolicy } from "./retry.js";
import type { Scope } from "./scope.js";

/** Everything an exec needs that does not change between items, computed once per exec call. */
export interface ExecPlan {
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

/** Reads `maxRetries` and `wait` at run time: pocketflow code may set them after construction. */
export function planExec(node: PlannableNode, options: NodeOptions): ExecPlan {
  return {
    name: node.getName(),
    policy: new RetryPolicy({ ...options, maxRetries: node.maxRetries, wait: node.wait }),
    timeoutMs: options.timeout,
    limiter: options.limiter,
    cost: options.cost,
  };
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
  const { limiter, timeoutMs } = plan;
  if (limiter === undefined && timeoutMs === undefined) {
    // The common path allocates no scope, timer or controller of its own, and does not race the
    // scope: whoever waits on the run (run(), a batch window) is released on abort already.
    target._scope = context.scope;
    return callExec(target, prepRes);
  }
  const attempt = (limiterSignal: AbortSignal | undefined): Promise<unknown> => {
    const scope = context.scope.child();
    const unfollow = limiterSignal ? follow(limiterSignal, scope) : undefined;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => scope.abort(new TimeoutError(plan.name, timeoutMs)), timeoutMs);
    target._scope = scope;
    return scope.race(callExec(target, prepRes)).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
      unfollow?.();
      scope.dispose();
    });
  };
  if (limiter === undefined) return attempt(undefined);
  const cost = plan.cost?.(prepRes);
  const options = cost ? { signal: context.signal, cost } : { signal: context.signal };
  return context.scope.race(limiter.run(({ signal }) => attempt(signal), options));
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

function follow(signal: AbortSignal, scope: Scope): () => void {
  if (signal.aborted) {
    scope.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => scope.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
