import { AbortError, getDefaultLogger, type Logger } from "@sluice/core";
import { type Job, Worker } from "bullmq";
import { connectRedis, type RedisConnection } from "./connection.js";
import { toWireJson } from "./json.js";
import { NodeRegistry, type NodeSource } from "./registry.js";
import { runRemote } from "./remote-run.js";
import { encodeError, type ItemEvent, type ItemJob, Keys, type Outcome, parseMessage } from "./wire.js";

export interface WorkerOptions {
  /** The Redis the producers use: a URL (`redis://host:6379`) or ioredis options. */
  readonly connection: RedisConnection;
  /** The BullMQ queue name the producers send to. */
  readonly queue: string;
  /**
   * The node and flow classes this worker runs, by the name the producer sends (its class name
   * unless `distribute(…, { name })` says otherwise). A class is built with no arguments; pass a
   * function to give it options, e.g. `() => new SummarizeAll({ limiter: throttle, timeout: 60_000 })`.
   */
  readonly nodes: Readonly<Record<string, NodeSource>>;
  /** Items this process runs at once. Default 1; raise it for I/O-bound items such as model calls. */
  readonly concurrency?: number;
  /**
   * How long a job's lock lasts without renewal; a worker that dies loses its jobs to another after
   * about this long plus `stalledIntervalMs`. Default 30,000 (BullMQ's).
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. Default 30,000 (BullMQ's). */
  readonly stalledIntervalMs?: number;
  /** How long an unreachable Redis may take to answer at start. Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long stored results are kept, for producers that restart. Default 7 days. */
  readonly resultTtlSeconds?: number;
  readonly logger?: Logger | null;
}

/** A running worker process's membership in the pool; `close()` finishes its running items first. */
export interface SluiceWorker {
  /** Items this worker ran to an outcome (not counting ones it found already done). */
  readonly completed: number;
  close(): Promise<void>;
}

export const DEFAULT_RESULT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Joins the pool of a queue: runs the exec of items (or the sub-flows) that producers send, with the
 * node classes given. Start one per process, on as many machines as you like.
 *
 * @example
 * const worker = await startWorker({ connection: "redis://127.0.0.1:6379", queue: "docs", nodes: { SummarizeAll } });
 * process.on("SIGTERM", () => worker.close());
 */
export async function startWorker(options: WorkerOptions): Promise<SluiceWorker> {
  const registry = new NodeRegistry(options.nodes);
  const keys = new Keys(options.queue);
  const logger = options.logger === undefined ? getDefaultLogger() : options.logger;
  const ttl = options.resultTtlSeconds ?? DEFAULT_RESULT_TTL_SECONDS;
  const redis = await connectRedis(options.connection, options.connectTimeoutMs);
  const subscriber = redis.duplicate();
  subscriber.on("error", () => {});
  const running = new Map<string, { job: ItemJob; controller: AbortController }>();
  let completed = 0;

  // A producer that cancels a batch (its run was aborted, or an item failed under fail-fast)
  // publishes it; every worker aborts that batch's running items down to their HTTP calls.
  await subscriber.subscribe(keys.cancel);
  subscriber.on("message", (_channel, message) => {
    const cancel = parseMessage<{ run: string; batch: string }>(message);
    if (cancel === undefined) return;
    const { run, batch } = cancel;
    for (const entry of running.values()) {
      if (entry.job.run === run && entry.job.batch === batch)
        entry.controller.abort(new AbortError("The producer cancelled this run."));
    }
  });

  const eventOf = (job: ItemJob, type: ItemEvent["type"]) =>
    JSON.stringify({ run: job.run, batch: job.batch, index: job.index, type });

  const processJob = async (bullJob: Job<ItemJob>, _token?: string, signal?: AbortSignal) => {
    const job = bullJob.data;
    const resultsKey = keys.results(job.run, job.batch);
    const field = String(job.index);
    // At-least-once delivery, exactly-once effect: an item whose result is stored is never re-run
    // (a stalled job recovered after its worker stored the result but died before completing it).
    const [stored, cancelled] = await Promise.all([
      redis.hexists(resultsKey, field),
      redis.exists(keys.cancelled(job.run, job.batch)),
    ]);
    if (stored || cancelled) return;
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    running.set(bullJob.id ?? field, { job, controller });
    // Progress only: not awaited, so announcing a start costs the item no round trip.
    redis.publish(keys.events, eventOf(job, "started")).catch(() => {});
    let outcome: Outcome;
    try {
      const node = registry.create(job.node);
      const value = await runRemote(node, job, controller.signal);
      outcome = {
        ok: true,
        value: toWireJson(value ?? null, `${job.node} item ${job.index}'s result`, job.maxPayloadBytes),
      };
    } catch (error) {
      // A cancelled item stores nothing: it is not finished, and a resumed run should do it.
      if (controller.signal.aborted) throw error;
      outcome = { ok: false, error: encodeError(error) };
    } finally {
      running.delete(bullJob.id ?? field);
      signal?.removeEventListener("abort", onAbort);
    }
    // Stored before the job completes, and announced in the same round trip; HSETNX so a duplicate
    // run can never replace the first result.
    await redis
      .multi()
      .hsetnx(resultsKey, field, JSON.stringify(outcome))
      .expire(resultsKey, ttl)
      .publish(keys.events, eventOf(job, "settled"))
      .exec();
    completed++;
  };

  const worker = new Worker<ItemJob>(options.queue, processJob, {
    connection: redis,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: 1,
  });
  let warned = false;
  worker.on("error", (error) => {
    // Redis outages surface here once per reconnect attempt; say so once, then wait quietly.
    if (!warned) logger?.warn(`@sluice/bullmq worker on "${options.queue}": ${String(error)}; retrying.`);
    warned = true;
  });
  worker.on("ready", () => {
    warned = false;
  });
  await worker.waitUntilReady();

  return {
    get completed() {
      return completed;
    },
    async close() {
      await worker.close();
      await subscriber.quit().catch(() => subscriber.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
