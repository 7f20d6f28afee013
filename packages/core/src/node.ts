import type { SignalOf } from "./abort-signal.js";
import { execOnce, execWithRetries, isSimple, planExec } from "./attempt.js";
import { RunContext, type RunOptions } from "./context.js";
import { InvalidArgumentError } from "./errors.js";
import { getDefaultLogger } from "./logger.js";
import { checkLimiter, checkTimeout, type NodeOptions, resolveNodeOptions } from "./options.js";
import { RetryPolicy } from "./retry.js";
import { NEVER_ABORTED, type Scope } from "./scope.js";
import type { Action } from "./types.js";

const NODE_BRAND = Symbol.for("sluice.node");

/** True for any Sluice node or flow, even one from another copy of the package. */
export function isNode(value: unknown): value is BaseNode<any, any> {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[NODE_BRAND] === true
  );
}

/**
 * The smallest unit of work: `prep` reads the shared store, `exec` does the work, `post` writes
 * results back and returns the action that picks the next node in a Flow.
 */
export class BaseNode<S = unknown, P extends object = Record<string, unknown>> {
  protected _params: P = {} as P;
  protected _successors: Map<Action, BaseNode<any, any>> = new Map();
  // Declared, not initialised: a node carries these only once set, so the clone a flow makes on
  // every visit copies as few fields as pocketflow's does.
  declare protected _name: string | undefined;
  /** The cancellation scope of whatever runs now; read it through `signal`. */
  declare protected _scope: Scope | undefined;

  constructor(options?: { readonly name?: string }) {
    if (options?.name !== undefined) this.setName(options.name);
  }

  /**
   * Fires when the run is cancelled, when a sibling failed under fail-fast, or when the current
   * attempt's `timeout` expires. Pass it to fetch or the model SDK so the call stops too.
   */
  get signal(): SignalOf {
    return this._scope?.signal ?? NEVER_ABORTED;
  }

  async prep(_shared: S): Promise<unknown> {
    return undefined;
  }

  async exec(_prepRes: unknown): Promise<unknown> {
    return undefined;
  }

  async post(_shared: S, _prepRes: unknown, _execRes: unknown): Promise<Action | undefined> {
    return undefined;
  }

  async _exec(prepRes: unknown, _context?: RunContext): Promise<unknown> {
    return this.exec(prepRes);
  }

  /** One visit: prep, exec, post. Flows call this; `context` is internal to Sluice. */
  _run(shared: S, context: RunContext = RunContext.root()): Promise<Action | undefined> {
    // Span bookkeeping only when someone listens: the drop-in path pays for nothing it does not use.
    if (context.observed) return context.span("node", this.getName(), (span) => this._visit(shared, span));
    return this._visit(shared, context);
  }

  private async _visit(shared: S, context: RunContext): Promise<Action | undefined> {
    const scope = context.scope;
    this._scope = scope;
    const prepRes = await this.prep(shared);
    scope.throwIfAborted();
    const execRes = await this._exec(prepRes, context);
    scope.throwIfAborted();
    this._scope = scope;
    return await this.post(shared, prepRes, execRes);
  }

  /**
   * Runs this node (or flow) on `shared` and resolves to the action it returned. Aborting
   * `options.signal` rejects promptly with the signal's reason.
   */
  async run(shared: S, options?: RunOptions): Promise<Action | undefined> {
    const context = RunContext.root(options);
    if (this._successors.size > 0 && !isFlow(this)) context.warn("Node won't run successors. Use Flow.");
    try {
      return await context.scope.race(this._run(shared, context));
    } finally {
      context.scope.dispose();
    }
  }

  /** Replaces the params (no merge); flows set their params on every node they visit. */
  setParams(params: P): this {
    this._params = params;
    return this;
  }

  /** Connects `node` for the "default" action (or `action`) and returns `node`, so calls chain. */
  next<T extends BaseNode<any, any>>(node: T, action: Action = "default"): T {
    this.on(action, node);
    return node;
  }

  /** Connects `node` for `action` and returns this node, so branches fan out: `a.on("x", b).on("y", c)`. */
  on(action: Action, node: BaseNode<any, any>): this {
    if (typeof action !== "string") {
      throw new InvalidArgumentError(`on(action, node): action must be a string (got ${typeof action}).`);
    }
    if (!isNode(node)) {
      throw new InvalidArgumentError(
        `${this.getName()}.on("${action}", …) needs a node or flow, got ${describe(node)}. ` +
          "Did you pass the class instead of an instance (new MyNode())?",
      );
    }
    if (this._successors.has(action)) {
      getDefaultLogger()?.warn(`Overwriting successor for action '${action}'`);
    }
    // Copy on write: clones share the map they were made with, so a clone per visit costs no copy.
    const successors = new Map(this._successors);
    successors.set(action, node);
    this._successors = successors;
    return this;
  }

  getNextNode(action?: Action | null): BaseNode<any, any> | undefined {
    return this._successors.get(action || "default");
  }

  /** The actions this node has successors for, in the order they were connected. */
  getActions(): Action[] {
    return [...this._successors.keys()];
  }

  /**
   * A shallow copy: primitive fields are the copy's own, objects are shared with the original.
   * Flows clone every node they visit so per-visit state does not leak between visits.
   */
  clone(): this {
    const copy = this._copy();
    copy._params = { ...this._params };
    return copy;
  }

  /**
   * The copy a flow runs on each visit. The flow replaces the params at once with `setParams`, so
   * unless a subclass overrides `clone()` or `setParams()` this skips the params copy `clone()` makes.
   */
  _visitCopy(): this {
    const plain = this.clone === BaseNode.prototype.clone && this.setParams === BaseNode.prototype.setParams;
    return plain ? this._copy() : this.clone();
  }

  private _copy(): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this);
    if (copy._scope !== undefined) copy._scope = undefined;
    return copy;
  }

  /** The name shown in events and diagrams: the `name` option, else the class name. */
  getName(): string {
    return this._name ?? this.constructor.name;
  }

  setName(name: string): this {
    if (typeof name !== "string" || name.length === 0) {
      throw new InvalidArgumentError("A node's name must be a non-empty string.");
    }
    this._name = name;
    return this;
  }
}
Object.defineProperty(BaseNode.prototype, NODE_BRAND, { value: true });

/**
 * A node whose exec is retried: `new Node(maxRetries, wait)` as in pocketflow (attempts in all, and
 * seconds between them), or `new Node({ maxRetries, backoff, retryIf, timeout, limiter })`.
 */
export class Node<S = unknown, P extends object = Record<string, unknown>> extends BaseNode<S, P> {
  /** Attempts in all, counting the first. */
  maxRetries: number;
  /** Seconds between attempts, unless `backoff` is set. */
  wait: number;
  /** 0-based index of the running attempt; each concurrent batch item sees its own. */
  currentRetry = 0;
  protected readonly _options: NodeOptions;

  constructor(maxRetries?: number, wait?: number);
  constructor(options?: NodeOptions);
  constructor(maxRetriesOrOptions?: number | NodeOptions, wait?: number) {
    const options = resolveNodeOptions<NodeOptions>(maxRetriesOrOptions, wait);
    super(options);
    // Validates now, so a bad option fails where the node is built rather than mid-run.
    const policy = new RetryPolicy(options);
    checkTimeout(options.timeout);
    checkLimiter(options.limiter);
    if (options.cost !== undefined && typeof options.cost !== "function") {
      throw new InvalidArgumentError("cost must be a function (item) => { requests, inputTokens, … }.");
    }
    this.maxRetries = policy.maxRetries;
    this.wait = policy.wait;
    this._options = options;
  }

  /** Runs after the last attempt failed; rethrows by default. Return a value to recover. */
  async execFallback(_prepRes: unknown, error: Error): Promise<unknown> {
    throw error;
  }

  // Not async: the promise of execOnce is returned as is, one wrapper fewer per visit.
  override _exec(prepRes: unknown, context: RunContext = RunContext.root()): Promise<unknown> {
    if (isSimple(this, this._options)) return execOnce(this, prepRes, context.scope);
    return execWithRetries(this, prepRes, context, planExec(this, this._options), undefined);
  }
}

function isFlow(node: BaseNode<any, any>): boolean {
  return "start" in node && isNode((node as { start?: unknown }).start);
}

function describe(value: unknown): string {
  if (typeof value === "function") return `the function ${value.name || "(anonymous)"}`;
  if (value === null) return "null";
  return typeof value === "object"
    ? `an object (${Object.prototype.toString.call(value)})`
    : `${typeof value}`;
}
