import type { RemoteErrorInfo } from "./errors.js";

/**
 * What travels between producer and workers. Every job is one item of one batch of one run; its id
 * is derived from those three, so resubmitting adds nothing while the job still exists.
 */
export interface ItemJob {
  readonly run: string;
  /** The batch within the run: the node's name and which visit of it (a flow may loop). */
  readonly batch: string;
  readonly index: number;
  /** The name the node or flow class is registered under on the workers. */
  readonly node: string;
  readonly kind: "node" | "flow";
  /** JSON text of the item (a node's) or of the sub-flow's params (a flow's). */
  readonly payload: string;
  /** JSON text of the node's params, or of the shared store a remote sub-flow starts from. */
  readonly context: string;
  /** The producer's node settings that decide retries: its `maxRetries` and `wait`. */
  readonly maxRetries: number;
  readonly wait: number;
  readonly maxPayloadBytes: number;
}

/** One item's end, stored in the batch's results hash before its job completes. */
export type Outcome =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly error: RemoteErrorInfo };

/** A remote sub-flow's result: its last action and the shared store it ended with. */
export interface FlowResult {
  readonly action: string | null;
  readonly shared: unknown;
}

/** Messages on the queue's events channel, from workers to producers. */
export interface ItemEvent {
  readonly run: string;
  readonly batch: string;
  readonly index: number;
  readonly type: "started" | "settled";
}

/** A pub/sub message, or undefined when it is not ours (anyone may publish on a channel). */
export function parseMessage<T>(message: string): T | undefined {
  try {
    const value = JSON.parse(message) as unknown;
    return typeof value === "object" && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

export function encodeError(error: unknown): RemoteErrorInfo {
  if (error instanceof Error) {
    const { code, retryable } = error as { code?: unknown; retryable?: unknown };
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === "string" ? { code } : {}),
      ...(typeof retryable === "boolean" ? { retryable } : {}),
    };
  }
  return { name: "Error", message: String(error) };
}

/** Job ids may not contain ":" in BullMQ; run ids and batch names are kept to a safe alphabet. */
export function jobId(job: Pick<ItemJob, "run" | "batch" | "index">): string {
  return `${job.run}.${job.batch}.${job.index}`;
}

export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_");
}

/** Where Sluice keeps its own state for a queue, beside BullMQ's keys. */
export class Keys {
  constructor(private readonly queue: string) {}

  lease(run: string): string {
    return `sluice:${this.queue}:run:${run}:lease`;
  }

  results(run: string, batch: string): string {
    return `sluice:${this.queue}:run:${run}:${batch}:results`;
  }

  cancelled(run: string, batch: string): string {
    return `sluice:${this.queue}:run:${run}:${batch}:cancelled`;
  }

  /** Workers tell producers that items started and settled. */
  get events(): string {
    return `sluice:${this.queue}:events`;
  }

  /** Producers tell workers to abort a batch's running items. */
  get cancel(): string {
    return `sluice:${this.queue}:cancel`;
  }
}
