import type { SignalOf } from "./abort-signal.js";
import type { EventListener, SluiceEvent } from "./events.js";
import { getDefaultLogger, type Logger } from "./logger.js";
import { Scope } from "./scope.js";
import type { Action } from "./types.js";

/** Options of `run(shared, options)` on any node or flow. */
export interface RunOptions {
  /** Cancels the run: in-flight attempts see `this.signal` fire and the run rejects with its reason. */
  readonly signal?: SignalOf;
  /** Receives every event of the run; costs nothing when absent. */
  readonly onEvent?: EventListener;
  /** Where warnings go during this run; `null` silences them. Default: see `setDefaultLogger`. */
  readonly logger?: Logger | null;
}

interface EventSink {
  readonly runId: string;
  readonly listener: EventListener;
  nextSpanId: number;
}

type EventFields<E> = E extends SluiceEvent ? Omit<E, keyof import("./events.js").EventBase> : never;

/**
 * What travels down one run: the cancellation scope, the logger and, when someone listens, the
 * event sink and the current span. Immutable; entering a node or batch item derives a new one.
 */
export class RunContext {
  private constructor(
    readonly scope: Scope,
    readonly logger: Logger | null,
    private readonly sink: EventSink | undefined,
    readonly spanId: number,
    readonly parentSpanId: number | undefined,
    readonly item: number | undefined,
    private readonly name: string,
  ) {}

  static root(options: RunOptions = {}): RunContext {
    const logger = options.logger === undefined ? getDefaultLogger() : options.logger;
    const sink = options.onEvent
      ? { runId: newRunId(), listener: options.onEvent, nextSpanId: 0 }
      : undefined;
    return new RunContext(Scope.root(options.signal), logger, sink, 0, undefined, undefined, "");
  }

  get signal(): SignalOf {
    return this.scope.signal;
  }

  get observed(): boolean {
    return this.sink !== undefined;
  }

  /** The same span under another cancellation scope (a batch item's or an attempt's). */
  withScope(scope: Scope, item: number | undefined = this.item): RunContext {
    return new RunContext(scope, this.logger, this.sink, this.spanId, this.parentSpanId, item, this.name);
  }

  /** Opens the span of one node or flow visit and emits its start event. */
  enter(kind: "node" | "flow", name: string): RunContext {
    const sink = this.sink;
    if (!sink) return this;
    const parent = this.spanId === 0 ? undefined : this.spanId;
    const span = new RunContext(this.scope, this.logger, sink, ++sink.nextSpanId, parent, this.item, name);
    span.emit({ type: kind === "node" ? "node:start" : "flow:start" });
    return span;
  }

  /** Runs `body` inside the span of one node or flow visit: start and end events around it. */
  async span(
    kind: "node" | "flow",
    name: string,
    body: (span: RunContext) => Promise<Action | undefined>,
  ): Promise<Action | undefined> {
    const span = this.enter(kind, name);
    const startedAt = now();
    let action: Action | undefined;
    try {
      action = await body(span);
    } catch (error) {
      span.exit(kind, startedAt, undefined, error);
      throw error;
    }
    span.exit(kind, startedAt, action);
    return action;
  }

  /** Closes a span opened by `enter`. */
  exit(kind: "node" | "flow", startedAt: number, action: Action | undefined, error?: unknown): void {
    if (!this.sink) return;
    const durationMs = now() - startedAt;
    const type = kind === "node" ? "node:end" : "flow:end";
    this.emit(error === undefined ? { type, action, durationMs } : { type, action, durationMs, error });
  }

  emit(fields: EventFields<SluiceEvent>): void {
    const sink = this.sink;
    if (!sink) return;
    const event = {
      runId: sink.runId,
      spanId: this.spanId,
      parentSpanId: this.parentSpanId,
      name: this.name,
      item: this.item,
      time: Date.now(),
      ...fields,
    } as SluiceEvent;
    try {
      sink.listener(event);
    } catch (error) {
      // A broken listener must not break the workflow it observes.
      this.logger?.warn(`Sluice: an onEvent listener threw on "${event.type}": ${String(error)}`);
    }
  }

  warn(message: string): void {
    this.logger?.warn(message);
  }
}

export function now(): number {
  return performance.now();
}

let runCounter = 0;
function newRunId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `run-${Date.now().toString(36)}-${++runCounter}`;
}
