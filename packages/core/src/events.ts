import type { Action } from "./types.js";

/** Fields every event carries, enough to build tracing spans: each node visit is one span. */
export interface EventBase {
  /** Identifies one call of `run()`. */
  readonly runId: string;
  /** The span this event belongs to (a node or flow visit). */
  readonly spanId: number;
  /** The enclosing flow's span; undefined for the node or flow `run()` was called on. */
  readonly parentSpanId: number | undefined;
  /** The node's or flow's name (its `name` option, else its class name). */
  readonly name: string;
  /** Index of the batch entry this span runs for, when it runs inside a batch flow. */
  readonly item: number | undefined;
  /** `Date.now()` when the event happened. */
  readonly time: number;
}

export interface StartEvent extends EventBase {
  readonly type: "flow:start" | "node:start";
}

export interface EndEvent extends EventBase {
  readonly type: "flow:end" | "node:end";
  /** The action the node or flow returned; undefined when it failed. */
  readonly action: Action | undefined;
  readonly durationMs: number;
  /** Present when the visit threw. */
  readonly error?: unknown;
}

export interface RetryEvent extends EventBase {
  readonly type: "retry";
  /** The attempt that just failed, counted from 1. */
  readonly attempt: number;
  /** How long the node waits before the next attempt. */
  readonly delayMs: number;
  readonly error: unknown;
  /** The batch item that is being retried, for batch nodes. */
  readonly batchItem: number | undefined;
}

export interface ProgressEvent extends EventBase {
  readonly type: "progress";
  readonly done: number;
  readonly failed: number;
  readonly inFlight: number;
  /** Known when the items came as an array (or anything with a length or size). */
  readonly total: number | undefined;
}

export type SluiceEvent = StartEvent | EndEvent | RetryEvent | ProgressEvent;

export type EventListener = (event: SluiceEvent) => void;
