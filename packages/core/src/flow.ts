import { RunContext } from "./context.js";
import { InvalidArgumentError, MaxStepsExceededError, SluiceError } from "./errors.js";
import { BaseNode, isNode } from "./node.js";
import { checkMaxSteps, type FlowOptions } from "./options.js";
import type { Action } from "./types.js";

/**
 * Runs a graph of nodes from `start`, following the action each node returns. Every visit runs a
 * fresh clone of the node with the flow's params, so a node may appear in a loop or in several
 * concurrent runs without sharing per-visit state. A flow is itself a node: nest it, branch on it.
 */
export class Flow<S = unknown, P extends object = Record<string, unknown>> extends BaseNode<S, P> {
  start: BaseNode<any, any>;
  protected readonly _maxSteps: number;

  constructor(start: BaseNode<any, any>, options: FlowOptions = {}) {
    super(options);
    if (!isNode(start)) {
      throw new InvalidArgumentError(
        `new ${new.target.name}(start) needs the node to start from (an instance such as new MyNode()).`,
      );
    }
    this.start = start;
    this._maxSteps = checkMaxSteps(options.maxSteps);
  }

  /** Visits nodes until an action has no successor; resolves to that last action. */
  protected async _orchestrate(
    shared: S,
    params?: P,
    context: RunContext = RunContext.root(),
  ): Promise<Action | undefined> {
    const runParams = params ?? this._params;
    let current: BaseNode<any, any> | undefined = this.start._visitCopy();
    let action: Action | undefined;
    let steps = 0;
    while (current) {
      if (++steps > this._maxSteps) {
        throw new MaxStepsExceededError(
          this.getName(),
          this._maxSteps,
          current.getName(),
          action || "default",
        );
      }
      context.scope.throwIfAborted();
      current.setParams(runParams);
      action = await current._run(shared, context);
      const next = current.getNextNode(action);
      if (next === undefined) warnIfUnhandled(current, action, context);
      current = next?._visitCopy();
    }
    return action;
  }

  override _run(shared: S, context: RunContext = RunContext.root()): Promise<Action | undefined> {
    if (context.observed)
      return context.span("flow", this.getName(), (span) => this._visitFlow(shared, span));
    return this._visitFlow(shared, context);
  }

  private async _visitFlow(shared: S, context: RunContext): Promise<Action | undefined> {
    this._scope = context.scope;
    const prepRes = await this.prep(shared);
    const lastAction = await this._runBody(shared, prepRes, context);
    this._scope = context.scope;
    return await this.post(shared, prepRes, lastAction);
  }

  /** What runs between prep and post: the graph once here, once per entry in batch flows. */
  protected _runBody(shared: S, _prepRes: unknown, context: RunContext): Promise<unknown> {
    return this._orchestrate(shared, undefined, context);
  }

  /**
   * Returns the last action of the run (`execRes`), so an outer flow can branch on how this one
   * ended: `inner.on("failed", handler)`. pocketflow returns undefined here.
   */
  override async post(_shared: S, _prepRes: unknown, execRes: unknown): Promise<Action | undefined> {
    return typeof execRes === "string" ? execRes : undefined;
  }

  override async exec(_prepRes: unknown): Promise<unknown> {
    throw new SluiceError("flow_exec", "Flow can't exec: a flow runs its nodes; put the work in a node.");
  }
}

/**
 * A misspelt action silently ending a flow is the hardest bug to find, so a node that has successors
 * but none for its action warns, in pocketflow 1.0.4's words. Returning no action (the default) is
 * the quiet way to end a loop.
 */
function warnIfUnhandled(node: BaseNode<any, any>, action: Action | undefined, context: RunContext): void {
  if (!action || action === "default") return;
  const actions = node.getActions();
  if (actions.length > 0) context.warn(`Flow ends: '${action}' not found in [${actions}]`);
}
