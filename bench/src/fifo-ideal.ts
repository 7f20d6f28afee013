import type { PredictedRequest } from "./bound.js";
import type { MakespanScale, MinuteLimits } from "./workloads.js";

/**
 * The makespan of an ideal client that reserves what the emulator reserves (one request, the input,
 * `max_tokens` of output), in order, the moment every bucket holds the cost and a slot is free, and
 * that learns each refund the instant the server makes it; no client overhead, the model's mean
 * latency (no jitter). The lower bound (bound.ts) ignores the output reservations held by calls in
 * flight; this does not, so it says how close any client that sends `max_tokens` in arrival order
 * can come to the bound. On the OTPM workload (max_tokens 2,048, outputs of about 700) it reaches 92%:
 * the bound's last 8% are reservations of the last calls in flight that only their ends give back.
 *
 * @example
 * fifoIdeal(predictRequests(prompts, 2_048, 1), 2_048, otpm.limits, scale) // → ms of real time
 */
export function fifoIdeal(
  requests: readonly PredictedRequest[],
  maxTokens: number,
  limits: MinuteLimits,
  scale: Pick<MakespanScale, "timeScale" | "latency" | "concurrency">,
): number {
  const minuteMs = 60_000 / scale.timeScale;
  const capacity = [limits.requestsPerMinute, limits.inputTokensPerMinute, limits.outputTokensPerMinute];
  const rate = capacity.map((perMinute) => perMinute / minuteMs);
  const level = [...capacity];
  const latency = (output: number) =>
    (scale.latency.firstTokenMs + scale.latency.perOutputTokenMs * output) / scale.timeScale;
  const running: { end: number; refund: number }[] = [];
  let now = 0;
  let next = 0;
  let finished = 0;
  const costOf = (request: PredictedRequest) => [1, request.inputTokens, maxTokens];
  // A hair of tolerance: refill computed in floating point may stop a unit short of a cost.
  const fits = (cost: number[]) => cost.every((amount, dimension) => level[dimension]! >= amount - 1e-6);
  const advance = (to: number) => {
    for (let dimension = 0; dimension < 3; dimension++) {
      level[dimension] = Math.min(capacity[dimension]!, level[dimension]! + (to - now) * rate[dimension]!);
    }
    now = to;
  };
  while (next < requests.length || running.length > 0) {
    while (next < requests.length && running.length < scale.concurrency && fits(costOf(requests[next]!))) {
      const request = requests[next++]!;
      costOf(request).forEach((amount, dimension) => {
        level[dimension]! -= amount;
      });
      running.push({ end: now + latency(request.outputTokens), refund: maxTokens - request.outputTokens });
    }
    running.sort((a, b) => a.end - b.end);
    let until = running[0]?.end ?? Number.POSITIVE_INFINITY;
    if (next < requests.length && running.length < scale.concurrency) {
      const cost = costOf(requests[next]!);
      const wait = Math.max(
        0,
        ...cost.map((amount, dimension) => (amount - level[dimension]!) / rate[dimension]!),
      );
      until = Math.min(until, now + wait);
    }
    advance(until);
    while (running.length > 0 && running[0]!.end <= now + 1e-9) {
      const call = running.shift()!;
      level[2] = Math.min(capacity[2]!, level[2]! + call.refund);
      finished = now;
    }
  }
  return finished;
}
