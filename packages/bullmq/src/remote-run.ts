import {
  type BaseNode,
  Flow,
  InvalidArgumentError,
  ParallelBatchFlow,
  ParallelBatchNode,
  type Settled,
} from "@sluice/core";
import type { FlowResult, ItemJob } from "./wire.js";

/**
 * Runs one job's work through core, so the node's own retries, fallback, timeout, limiter and
 * `this.signal` behave exactly as in one process: a node runs as a batch of this one item, a flow
 * runs its sub-flow once with the entry's params.
 */
export async function runRemote(
  node: BaseNode<any, any>,
  job: ItemJob,
  signal: AbortSignal,
): Promise<unknown> {
  const payload = JSON.parse(job.payload);
  const context = JSON.parse(job.context);
  if (job.kind === "flow") {
    if (!(node instanceof ParallelBatchFlow)) throw notA(job.node, "ParallelBatchFlow");
    const sub = new Flow(node.start);
    sub.setParams(payload);
    const shared = context ?? {};
    const action = await sub.run(shared, { signal, logger: null });
    return { action: action ?? null, shared } satisfies FlowResult;
  }
  if (!(node instanceof ParallelBatchNode)) throw notA(job.node, "ParallelBatchNode");
  // The producer's maxRetries and wait decide the attempts, as they would in one process; the
  // worker's own options (timeout, backoff, limiter) apply around them.
  node.maxRetries = job.maxRetries;
  node.wait = job.wait;
  node.setParams(context ?? {});
  const batch = node as ParallelBatchNode<any, any> & { _failFast: boolean };
  let outcome: unknown;
  // prep and post stay in the producer: here they only hand the one item in and take its result out.
  Object.assign(node, {
    prep: async () => [payload],
    post: async (_shared: unknown, _items: unknown, results: unknown[]) => {
      outcome = results[0];
      return undefined;
    },
  });
  await node.run({}, { signal, logger: null });
  if (batch._failFast) return outcome;
  const settled = outcome as Settled<unknown>;
  if (settled.status === "rejected") throw settled.reason;
  return settled.value;
}

function notA(name: string, kind: string): Error {
  return new InvalidArgumentError(`The worker's "${name}" is not a ${kind}, but the producer sent it one.`);
}
