import { REQUESTS } from "../cost.js";
import type { Job } from "../job.js";
import type { ThrottleState } from "../state.js";

/**
 * Head-of-line rule. The head (the job with the highest effective priority) waits for its buckets;
 * a job behind it may start now only if it fits the buckets now, a concurrency slot stays free for
 * the head, and every bucket will still hold the head's cost when the head is due (`headWait` ms
 * from now). Small jobs thus fill idle capacity without delaying the large job at the head. At most
 * `backfillLookahead` waiting jobs are examined, so the pass stays O(1) however long the queue.
 *
 * Returns the job whose cost was taken (the caller starts it), or undefined.
 */
export function takeBackfill(
  state: ThrottleState,
  head: Job,
  headWait: number,
  now: number,
): Job | undefined {
  if (state.running + 1 >= state.concurrency.limit) return undefined;
  const { ramp, store } = state;
  const lookahead = state.options.backfillLookahead;
  const headRequests = head.amounts[REQUESTS]!;
  let examined = 0;
  for (const lane of state.queue.lanes) {
    for (let job = lane.head; job !== undefined; job = job.next) {
      // A job of an aborted signal is about to leave; it never starts.
      if (job === head || job.signal?.aborted) continue;
      if (++examined > lookahead) return undefined;
      if (state.costAboveLimit(job.amounts) !== undefined) continue;
      const requests = job.amounts[REQUESTS]!;
      if (!ramp.fitsBeside(requests, headRequests, headWait, now)) continue;
      if (store.acquireSlot?.(now) === false) return undefined;
      if (!store.tryTakeBeside(job.amounts, head.amounts, headWait, now)) {
        store.releaseSlot?.(now);
        continue;
      }
      ramp.take(requests);
      return job;
    }
  }
  return undefined;
}
