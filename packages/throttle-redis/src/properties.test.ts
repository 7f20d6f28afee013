// The throttle's invariants with several Throttles sharing one quota through one real Redis: what
// holds for one in-memory bucket holds for all of them together. Real time (Redis keeps time), so
// few runs and a timing slack of a few ms of refill.
import { Throttle } from "@sluice/throttle";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisThrottleStore } from "./store.js";
import { type RedisServer, redisServerForTests, startRedisServer } from "./testing/index.js";

const binary = redisServerForTests();

interface Admission {
  readonly at: number;
  readonly input: number;
  readonly output: number;
}

/** Over every window [a, b] between two admissions: admitted − (max(burst, largest) + rate × (b − a)). */
function worstExcess(
  admissions: readonly Admission[],
  pick: (admission: Admission) => number,
  burst: number,
  ratePerMs: number,
): number {
  const sorted = [...admissions].sort((a, b) => a.at - b.at);
  let worst = Number.NEGATIVE_INFINITY;
  for (let first = 0; first < sorted.length; first++) {
    let total = 0;
    let largest = 0;
    for (let last = first; last < sorted.length; last++) {
      const cost = pick(sorted[last]!);
      total += cost;
      largest = Math.max(largest, cost);
      const allowance = Math.max(burst, largest) + ratePerMs * (sorted[last]!.at - sorted[first]!.at);
      worst = Math.max(worst, total - allowance);
    }
  }
  return worst;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(binary === undefined)("invariants across processes sharing one Redis", () => {
  let server: RedisServer;
  let quotas = 0;
  beforeAll(async () => {
    server = await startRedisServer({ binary });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("per bucket, admits at most max(burst, largest) + rate × W in any window; never more in flight than the shared cap; aborted queued jobs never start", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          inputPerMinute: fc.integer({ min: 30_000, max: 120_000 }),
          inputBurst: fc.integer({ min: 200, max: 2_000 }),
          outputPerMinute: fc.integer({ min: 6_000, max: 30_000 }),
          outputBurst: fc.integer({ min: 100, max: 500 }),
          sharedCap: fc.integer({ min: 1, max: 6 }),
          localCaps: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
        }),
        fc.array(
          fc.record({
            throttle: fc.integer({ min: 0, max: 2 }),
            arrival: fc.integer({ min: 0, max: 1_000 }),
            input: fc.integer({ min: 0, max: 800 }),
            output: fc.integer({ min: 0, max: 300 }),
            duration: fc.integer({ min: 0, max: 150 }),
            abortAfter: fc.option(fc.integer({ min: 0, max: 1_500 }), { nil: undefined }),
          }),
          { minLength: 5, maxLength: 40 },
        ),
        async (limits, jobs) => {
          const quota = `properties-${process.pid}-${quotas++}`;
          const stores = await Promise.all(
            limits.localCaps.map(() =>
              RedisThrottleStore.connect({
                url: server.url,
                quota,
                concurrency: limits.sharedCap,
                leaseShare: 0.1,
              }),
            ),
          );
          const throttles = stores.map(
            (store, index) =>
              new Throttle({
                store,
                concurrency: limits.localCaps[index],
                inputTokensPerMinute: { perMinute: limits.inputPerMinute, burst: limits.inputBurst },
                outputTokensPerMinute: { perMinute: limits.outputPerMinute, burst: limits.outputBurst },
              }),
          );
          const admissions: Admission[] = [];
          const abortedBeforeStart: number[] = [];
          let running = 0;
          let peak = 0;
          const origin = performance.now();
          const runs = [...jobs]
            .sort((a, b) => a.arrival - b.arrival)
            .map(async (spec, index) => {
              await sleep(spec.arrival);
              const controller = new AbortController();
              let started = false;
              if (spec.abortAfter !== undefined) {
                setTimeout(() => {
                  if (!started) abortedBeforeStart.push(index);
                  controller.abort();
                }, spec.abortAfter);
              }
              const input = Math.min(spec.input, limits.inputPerMinute);
              const output = Math.min(spec.output, limits.outputPerMinute);
              await throttles[spec.throttle]!.run(
                async () => {
                  started = true;
                  if (abortedBeforeStart.includes(index))
                    throw new Error(`job ${index} started after its abort`);
                  admissions.push({ at: performance.now() - origin, input, output });
                  peak = Math.max(peak, ++running);
                  await sleep(spec.duration);
                  running--;
                },
                { cost: { inputTokens: input, outputTokens: output }, signal: controller.signal },
              ).catch((error: unknown) => {
                if (!controller.signal.aborted) throw error;
              });
            });
          // Bounded: a job that never starts fails the property instead of hanging the file.
          let stall: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.all(runs),
            new Promise((_, reject) => {
              stall = setTimeout(() => {
                const stats = throttles.map((throttle) => {
                  const { queued, running, buckets } = throttle.stats();
                  return { queued, running, buckets };
                });
                reject(new Error(`jobs still waiting after 30 s: ${JSON.stringify(stats)}`));
              }, 30_000);
            }),
          ]).finally(() => clearTimeout(stall));
          await Promise.all(throttles.map((throttle) => throttle.close()));
          await Promise.all(stores.map((store) => store.close()));
          expect(peak).toBeLessThanOrEqual(limits.sharedCap);
          // Redis and this process read the same machine clock; a few ms of refill covers the
          // difference between when Redis refilled and when this process timed an admission.
          const slackMs = 15;
          const inputRate = limits.inputPerMinute / 60_000;
          const outputRate = limits.outputPerMinute / 60_000;
          expect(worstExcess(admissions, (a) => a.input, limits.inputBurst, inputRate)).toBeLessThan(
            inputRate * slackMs + 1e-6,
          );
          expect(worstExcess(admissions, (a) => a.output, limits.outputBurst, outputRate)).toBeLessThan(
            outputRate * slackMs + 1e-6,
          );
        },
      ),
      // No shrinking: each run takes seconds of real time; the first counterexample is reported as is.
      { numRuns: 6, endOnFailure: true },
    );
  }, 240_000);
});
