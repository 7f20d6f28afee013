import { randomUUID } from "node:crypto";
import {
  type BaseNode,
  InvalidArgumentError,
  ParallelBatchFlow,
  ParallelBatchNode,
  type ProgressEvent,
  type Settled,
} from "@sluice/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { connectRedis, type RedisConnection } from "./connection.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, toWireJson } from "./json.js";
import { RunLease } from "./lease.js";
import { type BatchEnvironment, type BatchSpec, runRemoteBatch, type Settlement } from "./remote-batch.js";
import { type FlowResult, type ItemEvent, type ItemJob, Keys, parseMessage, safeName } from "./wire.js";
import { DEFAULT_RESULT_TTL_SECONDS } from "./worker.js";

export interface RunnerOptions {
  /** A Redis URL (`redis://host:6379`) or ioredis options. */
  readonly connection: RedisConnection;
  /** The BullMQ queue the workers listen on. */
  readonly queue: string;
  /**
   * Names this producer's run. Give the same id to a restarted producer and it collects the results
   * stored so far instead of sending those items again. Letters, digits, `_` and `-`. Default: random.
   */
  readonly runId?: string;
  /** Largest item, params object or result, as JSON. Default 512 KiB. */
  readonly maxPayloadBytes?: number;
  /** A producer that dies frees its run id after this long. Default 10,000 ms. */
  readonly leaseTtlMs?: number;
  /** How often the producer looks for results whose announcement it missed. Default 1,000 ms. */
  readonly pollIntervalMs?: number;
  /** Times an item whose job vanished without a result is sent again before it fails. Default 2. */
  readonly maxResubmits?: number;
  readonly connectTimeoutMs?: number;
  /** How long stored results are kept for a restarted producer. Default 7 days. */
  readonly resultTtlSeconds?: number;
}

/** Options of `distribute` for a ParallelBatchFlow: what its remote sub-flows see and give back. */
export interface DistributeOptions<S = any> {
  /** The name the workers know the class by (`startWorker({ nodes })`). Default: the class name. */
  readonly name?: string;
  /**
   * Flows only: the shared store each remote sub-flow starts from, as a JSON copy. Default `{}`:
   * sub-flows see only their params, as PocketFlow's rules for parallel work advise.
   */
  readonly remoteShared?: (shared: S) => unknown;
  /** Flows only: receives each sub-flow's final shared store, in input order, before post runs. */
  readonly mergeShared?: (shared: S, remote: any, index: number) => void;
}

type Constructor<T> = abstract new (...args: any[]) => T;
type Distributable = ParallelBatchNode<any, any> | ParallelBatchFlow<any, any, any>;

/** The slice of core's internal run context a distributed node uses: the signal and the events. */
interface RunContextLike {
  readonly signal?: AbortSignal;
  readonly observed?: boolean;
  emit?(fields: Omit<ProgressEvent, "runId" | "spanId" | "parentSpanId" | "name" | "item" | "time">): void;
}

/** What core keeps on a batch node or flow that the producer reads to send it. */
interface BatchInternals {
  _params: object;
  _failFast: boolean;
  _concurrency: number;
}

/**
 * The producer side: one run of a workflow whose parallel nodes and flows send their items to the
 * workers of a BullMQ queue. prep and post stay here; exec (or the sub-flow) runs on the workers.
 *
 * @example
 * const runner = await BullmqRunner.connect({ connection: "redis://127.0.0.1:6379", queue: "docs" });
 * const SummarizeAllOnPool = runner.distribute(SummarizeAll);
 * await new Flow(new SummarizeAllOnPool({ maxRetries: 3 })).run(shared, { signal });
 * await runner.close();
 */
export class BullmqRunner {
  readonly runId: string;
  private readonly visits = new Map<string, number>();
  private readonly listeners = new Set<(event: ItemEvent) => void>();
  private readonly cancellations = new Set<Promise<void>>();
  private readonly env: BatchEnvironment;
  private readonly maxPayloadBytes: number;

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly queue: Queue,
    private readonly lease: RunLease,
    runId: string,
    options: RunnerOptions,
  ) {
    this.runId = runId;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.env = {
      redis,
      queue,
      keys: new Keys(options.queue),
      onItemEvent: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      maxResubmits: options.maxResubmits ?? 2,
      resultTtlSeconds: options.resultTtlSeconds ?? DEFAULT_RESULT_TTL_SECONDS,
      cancelTimeoutMs: 5_000,
      track: (work) => {
        this.cancellations.add(work);
        work.finally(() => this.cancellations.delete(work)).catch(() => {});
      },
    };
  }

  /** Connects (failing fast with the URL if Redis does not answer) and takes the run id's lease. */
  static async connect(options: RunnerOptions): Promise<BullmqRunner> {
    const runId = options.runId ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(runId)) {
      throw new InvalidArgumentError(
        `runId must be 1-100 letters, digits, "_" or "-" (got ${JSON.stringify(runId)}).`,
      );
    }
    if (typeof options.queue !== "string" || !/^[A-Za-z0-9_-]+$/.test(options.queue)) {
      throw new InvalidArgumentError(
        `queue must be a name of letters, digits, "_" or "-" (got ${String(options.queue)}).`,
      );
    }
    const redis = await connectRedis(options.connection, options.connectTimeoutMs);
    const keys = new Keys(options.queue);
    let lease: RunLease;
    try {
      lease = await RunLease.acquire(redis, keys.lease(runId), runId, options.leaseTtlMs ?? 10_000);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    const subscriber = redis.duplicate();
    subscriber.on("error", () => {});
    const queue = new Queue(options.queue, { connection: redis });
    queue.on("error", () => {});
    const runner = new BullmqRunner(redis, subscriber, queue, lease, runId, options);
    await subscriber.subscribe(keys.events);
    subscriber.on("message", (_channel, message) => {
      const event = parseMessage<ItemEvent>(message);
      if (event?.run !== runId) return;
      for (const listener of runner.listeners) listener(event);
    });
    return runner;
  }

  /**
   * A subclass of `NodeClass` whose items (or sub-flow runs) go to the workers; everything else,
   * prep and post included, is the class's own. Workers must load the same class under the same
   * name: `startWorker({ nodes: { SummarizeAll } })`.
   */
  distribute<C extends Constructor<Distributable>>(NodeClass: C, options: DistributeOptions = {}): C {
    const runner = this;
    const name = options.name ?? NodeClass.name;
    const base = NodeClass as unknown as Constructor<any>;
    let Distributed: Constructor<unknown>;
    if (NodeClass.prototype instanceof ParallelBatchFlow || NodeClass === (ParallelBatchFlow as unknown)) {
      abstract class DistributedFlow extends base {
        _runBody(shared: unknown, prepRes: unknown, context?: RunContextLike) {
          return runner.runFlows(this as never, name, options, shared, prepRes, context);
        }
      }
      Distributed = DistributedFlow;
    } else if (
      NodeClass.prototype instanceof ParallelBatchNode ||
      NodeClass === (ParallelBatchNode as unknown)
    ) {
      abstract class DistributedNode extends base {
        _exec(items: unknown, context?: RunContextLike) {
          return runner.runItems(this as never, name, items, context);
        }
      }
      Distributed = DistributedNode;
    } else {
      throw new InvalidArgumentError(
        `distribute() takes a ParallelBatchNode or ParallelBatchFlow class (got ${String(NodeClass?.name)}).`,
      );
    }
    // Events, diagrams and error messages keep showing the user's class name.
    Object.defineProperty(Distributed, "name", { value: NodeClass.name });
    return Distributed as unknown as C;
  }

  private async runItems(
    node: ParallelBatchNode<any, any> & BatchInternals,
    name: string,
    items: unknown,
    context: RunContextLike | undefined,
  ): Promise<unknown[]> {
    const nodeName = node.getName();
    const entries = await collectEntries(items, nodeName);
    const payloads = entries.map((item, i) =>
      toWireJson(item, `${nodeName} item ${i}`, this.maxPayloadBytes),
    );
    const spec = this.spec(
      node,
      name,
      "node",
      payloads,
      toWireJson(node._params, `${nodeName}'s params`, this.maxPayloadBytes),
    );
    const settlements = await this.send(spec, context);
    return toResults(settlements, node._failFast, (value) => value);
  }

  private async runFlows(
    flow: ParallelBatchFlow<any, any, any> & BatchInternals,
    name: string,
    options: DistributeOptions,
    shared: unknown,
    prepRes: unknown,
    context: RunContextLike | undefined,
  ): Promise<unknown[]> {
    const flowName = flow.getName();
    const entries = await collectEntries(prepRes, flowName);
    const payloads = entries.map((entry, i) => {
      if (typeof entry !== "object" || entry === null) {
        throw new InvalidArgumentError(
          `${flowName}.prep must return param objects, one per run (entry ${i} is ${String(entry)}).`,
        );
      }
      return toWireJson(
        { ...flow._params, ...entry },
        `${flowName} entry ${i}'s params`,
        this.maxPayloadBytes,
      );
    });
    const start = options.remoteShared ? options.remoteShared(shared) : {};
    const spec = this.spec(
      flow,
      name,
      "flow",
      payloads,
      toWireJson(start, `${flowName}'s remoteShared`, this.maxPayloadBytes),
    );
    const settlements = await this.send(spec, context);
    // Stores merge in input order, whatever order the workers finished in: no race on `shared`.
    settlements.forEach((settlement, index) => {
      if (settlement.ok) options.mergeShared?.(shared, (settlement.value as FlowResult).shared, index);
    });
    return toResults(settlements, flow._failFast, (value) => (value as FlowResult).action ?? undefined);
  }

  private spec(
    node: BaseNode<any, any> & BatchInternals,
    name: string,
    kind: ItemJob["kind"],
    payloads: string[],
    contextJson: string,
  ): BatchSpec {
    // Each visit of a node within the run is its own batch; a restarted producer that replays the
    // same flow visits the same batches in the same order and finds their stored results.
    const visit = (this.visits.get(name) ?? 0) + 1;
    this.visits.set(name, visit);
    const retrying = node as unknown as { maxRetries?: number; wait?: number };
    return {
      nodeName: node.getName(),
      job: {
        run: this.runId,
        batch: `${safeName(name)}-${visit}`,
        node: name,
        kind,
        context: contextJson,
        maxRetries: retrying.maxRetries ?? 1,
        wait: retrying.wait ?? 0,
        maxPayloadBytes: this.maxPayloadBytes,
      },
      payloads,
      concurrency: node._concurrency,
      failFast: node._failFast,
    };
  }

  private send(spec: BatchSpec, context: RunContextLike | undefined): Promise<Settlement[]> {
    this.lease.check();
    const onProgress = context?.observed
      ? (progress: Parameters<NonNullable<Parameters<typeof runRemoteBatch>[3]>>[0]) =>
          context.emit?.({ type: "progress", ...progress })
      : undefined;
    return runRemoteBatch(this.env, spec, context?.signal, onProgress);
  }

  /** Deletes what this run stored (results, flags). Call once the run's outcome is safely kept. */
  async forget(): Promise<void> {
    await Promise.allSettled([...this.cancellations]);
    const pattern = `sluice:${this.queue.name}:run:${this.runId}:*`;
    let cursor = "0";
    do {
      const [nextCursor, found] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", 200);
      cursor = nextCursor;
      const doomed = found.filter((key) => !key.endsWith(":lease"));
      if (doomed.length > 0) await this.redis.del(...doomed);
    } while (cursor !== "0");
  }

  /**
   * Frees the run id and closes the connections, once the cancellations under way (a run aborted
   * just before) have reached the workers. Items still on the queue stay there.
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.cancellations]);
    await this.lease.release();
    await this.queue.close().catch(() => {});
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

async function collectEntries(items: unknown, owner: string): Promise<unknown[]> {
  if (items === undefined || items === null) return [];
  if (typeof items === "string" || typeof items !== "object") {
    throw new InvalidArgumentError(
      `${owner}.prep must return an array or iterable of items (got ${typeof items}).`,
    );
  }
  if (Array.isArray(items)) return items;
  if (Symbol.iterator in items) return Array.from(items as Iterable<unknown>);
  if (Symbol.asyncIterator in items) {
    const entries: unknown[] = [];
    for await (const entry of items as AsyncIterable<unknown>) entries.push(entry);
    return entries;
  }
  throw new InvalidArgumentError(`${owner}.prep must return an array or iterable of items.`);
}

function toResults(
  settlements: Settlement[],
  failFast: boolean,
  unwrap: (value: unknown) => unknown,
): unknown[] | Settled<unknown>[] {
  if (failFast) {
    return settlements.map((s) => {
      if (!s.ok) throw s.error;
      return unwrap(s.value);
    });
  }
  return settlements.map((s) =>
    s.ok
      ? { status: "fulfilled" as const, value: unwrap(s.value) }
      : { status: "rejected" as const, reason: s.error },
  );
}
