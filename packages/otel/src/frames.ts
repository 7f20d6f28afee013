import { AsyncLocalStorage } from "node:async_hooks";
import { type Context, context as otelContext, trace } from "@opentelemetry/api";

/**
 * Which Sluice span the code running now belongs to, so that a model call made inside a node's
 * `exec` becomes a child of that node's span.
 *
 * Core emits a node's start event synchronously from the async function that then runs prep, exec
 * and post, and has no hook to wrap that function. So the listener marks the async context with
 * `enterWith`: everything the node starts from then on sees the node's frame. The mark also stays
 * on the caller's side once the node has ended, so a frame knows whether its span is over and a
 * lookup walks up to the nearest frame still open.
 */
export interface Frame {
  readonly context: Context;
  readonly parent: Frame | undefined;
  /** The OpenTelemetry context that was active when the frame was entered. */
  readonly outer: Context;
  /** The batch entry the span runs for, if any. */
  readonly item: number | undefined;
  ended: boolean;
}

const frames = new AsyncLocalStorage<Frame>();

/** Marks the current async context (and what it starts) as running inside `context`'s span. */
export function enterFrame(context: Context, parent: Frame | undefined, item: number | undefined): Frame {
  const frame: Frame = { context, parent, outer: otelContext.active(), item, ended: false };
  frames.enterWith(frame);
  return frame;
}

/**
 * The context a new span should be a child of: the innermost open Sluice span, unless the code
 * has opened a span of its own since (then the active OpenTelemetry context wins).
 */
export function currentContext(): Context {
  return current().context;
}

/** The context for a new span, and the batch entry it runs for (inside a traced batch flow). */
export function current(): { context: Context; item: number | undefined } {
  const active = otelContext.active();
  let frame = frames.getStore();
  while (frame?.ended) frame = frame.parent;
  if (frame === undefined || trace.getSpan(active) !== trace.getSpan(frame.outer)) {
    return { context: active, item: undefined };
  }
  return { context: frame.context, item: frame.item };
}
