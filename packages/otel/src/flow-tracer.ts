import { type Attributes, type Context, type Span, SpanKind, type Tracer, trace } from "@opentelemetry/api";
import type { EndEvent, EventListener, RetryEvent, SluiceEvent, StartEvent } from "@sluice/core";
import { GEN_AI, GENERAL, SLUICE, WORKFLOW_OPERATION } from "./attributes.js";
import { errorType, recordFailure } from "./errors.js";
import { currentContext, enterFrame, type Frame } from "./frames.js";
import { defaultTracer } from "./tracer.js";

export interface TraceFlowOptions {
  /** Default: the global tracer provider's tracer for "@sluice/otel". */
  readonly tracer?: Tracer;
}

/** A span opened for a node or flow visit, or for one entry of a batch flow. */
interface Opened {
  readonly span: Span;
  readonly context: Context;
  readonly frame: Frame;
  /** The batch entry this span runs for (inherited by everything inside it). */
  readonly item: number | undefined;
  /** The item span this one sits under, when its parent is a batch flow. */
  readonly under: ItemSpan | undefined;
  /** Item spans of a batch flow, by entry index. */
  items?: Map<number, ItemSpan>;
}

interface ItemSpan {
  readonly span: Span;
  readonly context: Context;
  readonly frame: Frame;
  /** When its last child ended: the item span ends then, not when the whole batch does. */
  lastEnd: number;
}

/**
 * A `run(shared, { onEvent })` listener that turns a Sluice run into OpenTelemetry spans: one per
 * flow and node visit, nested as the flow nests them, one per entry of a (parallel) batch flow with
 * the entry's visits inside it, and core retries as `retry` events on the node's span. The flow
 * `run()` was called on is the workflow span (`invoke_workflow <name>`); model calls made through
 * `traceModel` inside a node become children of that node's span.
 *
 * @example
 * const onEvent = traceFlow();
 * await flow.run(shared, { onEvent });
 */
export function traceFlow(options: TraceFlowOptions = {}): EventListener {
  const tracer = options.tracer ?? defaultTracer();
  // Open spans by run, then by core's span id; a run's entry goes when its root span ends.
  const runs = new Map<string, Map<number, Opened>>();

  const start = (event: StartEvent) => {
    let spans = runs.get(event.runId);
    if (spans === undefined) {
      spans = new Map();
      runs.set(event.runId, spans);
    }
    const parent = event.parentSpanId === undefined ? undefined : spans.get(event.parentSpanId);
    const under =
      parent !== undefined && event.item !== undefined && event.item !== parent.item
        ? itemSpan(tracer, parent, event.item, event.time)
        : undefined;
    const parentContext = under?.context ?? parent?.context ?? currentContext();
    const isFlow = event.type === "flow:start";
    const isWorkflow = parent === undefined && isFlow;
    const attributes: Attributes = {
      [SLUICE.KIND]: isFlow ? "flow" : "node",
      [SLUICE.RUN_ID]: event.runId,
      ...(event.item === undefined ? {} : { [SLUICE.BATCH_ITEM_INDEX]: event.item }),
      ...(isWorkflow
        ? { [GEN_AI.OPERATION_NAME]: WORKFLOW_OPERATION, [GEN_AI.WORKFLOW_NAME]: event.name }
        : {}),
    };
    const span = tracer.startSpan(
      isWorkflow ? `${WORKFLOW_OPERATION} ${event.name}` : event.name,
      { kind: SpanKind.INTERNAL, startTime: event.time, attributes },
      parentContext,
    );
    const context = trace.setSpan(parentContext, span);
    const frame = enterFrame(context, under?.frame ?? parent?.frame, event.item);
    spans.set(event.spanId, { span, context, frame, item: event.item, under });
  };

  const end = (event: EndEvent) => {
    const spans = runs.get(event.runId);
    const opened = spans?.get(event.spanId);
    if (spans === undefined || opened === undefined) return;
    spans.delete(event.spanId);
    if (event.action !== undefined) opened.span.setAttribute(SLUICE.ACTION, event.action);
    if (event.error !== undefined) recordFailure(opened.span, event.error);
    if (opened.items !== undefined) {
      for (const item of opened.items.values()) {
        item.frame.ended = true;
        item.span.end(item.lastEnd);
      }
    }
    if (opened.under !== undefined) opened.under.lastEnd = Math.max(opened.under.lastEnd, event.time);
    opened.frame.ended = true;
    opened.span.end(event.time);
    if (event.parentSpanId === undefined) runs.delete(event.runId);
  };

  const retry = (event: RetryEvent) => {
    const opened = runs.get(event.runId)?.get(event.spanId);
    opened?.span.addEvent(
      "retry",
      {
        [SLUICE.ATTEMPT]: event.attempt,
        [SLUICE.RETRY_DELAY_MS]: event.delayMs,
        [SLUICE.RETRY_REASON]: errorType(event.error),
        [GENERAL.ERROR_TYPE]: errorType(event.error),
        ...(event.batchItem === undefined ? {} : { [SLUICE.BATCH_ITEM_INDEX]: event.batchItem }),
      },
      event.time,
    );
  };

  return (event: SluiceEvent) => {
    switch (event.type) {
      case "flow:start":
      case "node:start":
        start(event);
        break;
      case "flow:end":
      case "node:end":
        end(event);
        break;
      case "retry":
        retry(event);
        break;
      default:
        break;
    }
  };
}

/** The span of batch entry `index` under the batch flow `parent`, opened by its first visit. */
function itemSpan(tracer: Tracer, parent: Opened, index: number, time: number): ItemSpan {
  parent.items ??= new Map();
  const existing = parent.items.get(index);
  if (existing !== undefined) return existing;
  const span = tracer.startSpan(
    `item ${index}`,
    { kind: SpanKind.INTERNAL, startTime: time, attributes: { [SLUICE.BATCH_ITEM_INDEX]: index } },
    parent.context,
  );
  const context = trace.setSpan(parent.context, span);
  const item: ItemSpan = { span, context, frame: enterFrame(context, parent.frame, index), lastEnd: time };
  parent.items.set(index, item);
  return item;
}
