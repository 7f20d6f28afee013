import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { RemoteExecError, WorkerLostError } from "./errors.js";
import { type ItemEvent, type ItemJob, jobId, type Keys, type Outcome } from "./wire.js";

/** One batch as the producer sends it: every entry already checked and turned into JSON. */
export interface BatchSpec {
  /** The node's name, for errors. */
  readonly nodeName: string;
  readonly job: Omit<ItemJob, "index" | "payload">;
  readonly payloads: readonly string[];
  readonly concurrency: number;
  readonly failFast: boolean;
}

/** An entry's end on the producer's side: the value parsed, or the error rebuilt. */
export type Settlement =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: Error };

export interface BatchProgress {
  readonly done: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly total: number;
}

/** What a remote batch needs from its runner: the connections and the knobs. */
export interface BatchEnvironment {
  readonly redis: Redis;
  readonly queue: Queue;
  readonly keys: Keys;
  /** Registers a listener for worker events of this run; returns the unsubscribe. */
  readonly onItemEvent: (listener: (event: ItemEvent) => void) => () => void;
  readonly pollIntervalMs: number;
  readonly maxResubmits: number;
  readonly resultTtlSeconds: number;
  readonly cancelTimeoutMs: number;
  /** Keeps a cancellation going until the runner closes, so closing right after an abort still cancels. */
  readonly track: (work: Promise<void>) => void;
}

/**
 * Sends a batch's entries to the queue (at most `concurrency` waiting or running at once, as a
 * sliding window), and collects their outcomes in input order. Entries whose result a previous
 * producer of the same run already collected are not sent again.
 *
 * Workers announce each outcome on a channel; a poll of the results hash backs that up, because a
 * pub/sub message sent while Redis or this producer's connection was down is gone for good. The poll
 * also finds jobs that vanished without a result (their worker died twice, or Redis lost them) and
 * sends them again, up to `maxResubmits` times.
 */
export async function runRemoteBatch(
  env: BatchEnvironment,
  spec: BatchSpec,
  signal: AbortSignal | undefined,
  onProgress: ((progress: BatchProgress) => void) | undefined,
): Promise<Settlement[]> {
  const { redis, queue, keys } = env;
  const { run, batch } = spec.job;
  const total = spec.payloads.length;
  const resultsKey = keys.results(run, batch);
  // Not `new Array(total)`: a sparse array's holes are skipped by flatMap below.
  const outcomes: (Settlement | undefined)[] = Array.from({ length: total }, () => undefined);
  let done = 0;
  let failed = 0;

  const toSettlement = (index: number, outcome: Outcome): Settlement =>
    outcome.ok
      ? { ok: true, value: JSON.parse(outcome.value) }
      : { ok: false, error: new RemoteExecError(spec.nodeName, index, outcome.error) };

  // A cancelled flag left by an earlier producer of this run (Ctrl-C, then --resume) must not stop
  // the resumed one's items.
  await redis.del(keys.cancelled(run, batch));
  const stored = await redis.hgetall(resultsKey);
  for (const [field, text] of Object.entries(stored)) {
    const index = Number(field);
    if (Number.isInteger(index) && index >= 0 && index < total) {
      const settlement = toSettlement(index, JSON.parse(text) as Outcome);
      outcomes[index] = settlement;
      done++;
      if (!settlement.ok) failed++;
    }
  }
  if (spec.failFast) {
    const firstError = outcomes.find((o) => o && !o.ok);
    if (firstError && !firstError.ok) throw firstError.error;
  }
  const pending = outcomes.flatMap((o, index) => (o === undefined ? [index] : []));
  if (pending.length === 0) return outcomes as Settlement[];

  const inFlight = new Set<number>();
  const started = new Set<number>();
  const submissions = new Map<number, number>();
  let next = 0;

  return new Promise<Settlement[]>((resolve, reject) => {
    let finished = false;
    let polls = 0;
    const report = () => onProgress?.({ done, failed, inFlight: started.size, total });

    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      clearInterval(poller);
      unsubscribe();
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) return resolve(outcomes as Settlement[]);
      // Stop the rest of the batch on every worker before the run rejects, within a bound.
      const cancelling = cancelBatch(env, spec, [...inFlight]);
      env.track(cancelling);
      cancelling.then(
        () => reject(error),
        () => reject(error),
      );
    };

    const settle = (index: number, settlement: Settlement) => {
      if (finished || !inFlight.delete(index)) return;
      started.delete(index);
      outcomes[index] = settlement;
      done++;
      if (!settlement.ok) failed++;
      report();
      if (!settlement.ok && spec.failFast) return finish(settlement.error);
      if (done === total) return finish();
      fill();
    };

    const submit = (indices: number[]) => {
      for (const index of indices) {
        inFlight.add(index);
        submissions.set(index, (submissions.get(index) ?? 0) + 1);
      }
      // A job id that still exists (a restarted producer's previous submission, waiting or
      // running) adds nothing: BullMQ keeps one job per id.
      queue
        .addBulk(
          indices.map((index) => {
            const data: ItemJob = { ...spec.job, index, payload: spec.payloads[index] as string };
            return {
              name: spec.job.node,
              data,
              opts: { jobId: jobId(data), removeOnComplete: true, removeOnFail: true },
            };
          }),
        )
        .catch((error) => finish(error));
    };

    const fill = () => {
      const room = Math.min(spec.concurrency - inFlight.size, pending.length - next);
      if (room <= 0) return;
      submit(pending.slice(next, next + room));
      next += room;
      report();
    };

    const fetch = async (indices: number[]) => {
      if (indices.length === 0) return;
      const texts = await redis.hmget(resultsKey, ...indices.map(String));
      indices.forEach((index, i) => {
        const text = texts[i];
        if (text) settle(index, toSettlement(index, JSON.parse(text) as Outcome));
      });
    };

    // Jobs gone from BullMQ with no stored result were lost (a worker died past maxStalledCount);
    // the result is written before the job is removed, so reading it after the check is safe.
    const recoverLost = async () => {
      const candidates = [...inFlight];
      if (candidates.length === 0) return;
      const pipeline = redis.pipeline();
      for (const index of candidates) pipeline.exists(queue.toKey(jobId({ run, batch, index })));
      const exists = (await pipeline.exec()) ?? [];
      const gone = candidates.filter((_, i) => exists[i]?.[1] === 0);
      await fetch(gone);
      const lost = gone.filter((index) => inFlight.has(index));
      for (const index of lost) {
        if ((submissions.get(index) ?? 0) > env.maxResubmits) {
          settle(index, {
            ok: false,
            error: new WorkerLostError(spec.nodeName, index, submissions.get(index) ?? 0),
          });
        } else {
          inFlight.delete(index);
          started.delete(index);
        }
      }
      const resend = lost.filter((index) => !inFlight.has(index) && outcomes[index] === undefined);
      if (resend.length > 0 && !finished) submit(resend);
    };

    let polling = false;
    const poll = async () => {
      if (polling || finished) return;
      polling = true;
      try {
        await fetch([...inFlight]);
        if (++polls % 3 === 0) await recoverLost();
      } catch {
        // Redis is away: the next poll tries again once it is back.
      } finally {
        polling = false;
      }
    };
    const poller = setInterval(poll, env.pollIntervalMs);

    const unsubscribe = env.onItemEvent((event) => {
      if (event.batch !== batch || !inFlight.has(event.index)) return;
      if (event.type === "started") {
        started.add(event.index);
        report();
      } else {
        fetch([event.index]).catch(() => {});
      }
    });

    const onAbort = () => finish(signal?.reason);
    if (signal?.aborted) return finish(signal.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    fill();
  });
}

/**
 * Flags the batch cancelled (a worker that picks up one of its jobs later skips it), removes its
 * waiting jobs, and tells every worker to abort its running ones. Bounded: a producer whose Redis is
 * away still rejects the run promptly.
 */
async function cancelBatch(env: BatchEnvironment, spec: BatchSpec, indices: number[]): Promise<void> {
  const { redis, queue, keys } = env;
  const { run, batch } = spec.job;
  const work = (async () => {
    await redis.set(keys.cancelled(run, batch), "1", "EX", env.resultTtlSeconds);
    await Promise.all(indices.map((index) => queue.remove(jobId({ run, batch, index })).catch(() => 0)));
    await redis.publish(keys.cancel, JSON.stringify({ run, batch }));
  })();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, env.cancelTimeoutMs))),
  ]);
  clearTimeout(timer);
}
