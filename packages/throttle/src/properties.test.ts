// Property tests of the limiter's invariants, in virtual time (fast-check picks the workloads).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { FakeProviderError, sleep } from "./testing/virtual-time.js";
import { Throttle } from "./throttle.js";

interface Admission {
  readonly at: number;
  readonly input: number;
  readonly output: number;
}

/** Over every window [a, b] between two admissions: admitted ≤ allowance + rate × (b − a). */
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

const job = fc.record({
  arrival: fc.integer({ min: 0, max: 20_000 }),
  input: fc.integer({ min: 0, max: 3_000 }),
  output: fc.integer({ min: 0, max: 1_000 }),
  duration: fc.integer({ min: 0, max: 3_000 }),
  priority: fc.constantFrom<"high" | "normal" | "low">("high", "normal", "low"),
});

describe("invariants", () => {
  it("admits at most max(burst, largest cost) + rate × W in any window W, per bucket", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          inputPerMinute: fc.integer({ min: 6_000, max: 600_000 }),
          inputBurst: fc.integer({ min: 100, max: 5_000 }),
          outputPerMinute: fc.integer({ min: 1_200, max: 120_000 }),
          outputBurst: fc.integer({ min: 50, max: 2_000 }),
          concurrency: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        }),
        fc.array(job, { minLength: 1, maxLength: 30 }),
        async (limits, jobs) => {
          const clock = new ManualClock(0);
          const throttle = new Throttle({
            clock,
            random: () => 0.5,
            concurrency: limits.concurrency,
            inputTokensPerMinute: { perMinute: limits.inputPerMinute, burst: limits.inputBurst },
            outputTokensPerMinute: { perMinute: limits.outputPerMinute, burst: limits.outputBurst },
          });
          const admissions: Admission[] = [];
          const runs: Promise<unknown>[] = [];
          // Costs above the per-minute limit are rejected at once; keep them in range here.
          const input = (cost: number) => Math.min(cost, limits.inputPerMinute);
          const output = (cost: number) => Math.min(cost, limits.outputPerMinute);
          for (const spec of [...jobs].sort((a, b) => a.arrival - b.arrival)) {
            await clock.advanceTo(spec.arrival);
            runs.push(
              throttle.run(
                async () => {
                  admissions.push({ at: clock.now(), input: input(spec.input), output: output(spec.output) });
                  await sleep(clock, spec.duration);
                },
                {
                  cost: { inputTokens: input(spec.input), outputTokens: output(spec.output) },
                  priority: spec.priority,
                },
              ),
            );
          }
          await clock.runAll();
          await Promise.all(runs);
          expect(admissions).toHaveLength(jobs.length);
          const slack = 1e-6;
          expect(
            worstExcess(admissions, (a) => a.input, limits.inputBurst, limits.inputPerMinute / 60_000),
          ).toBeLessThan(slack);
          expect(
            worstExcess(admissions, (a) => a.output, limits.outputBurst, limits.outputPerMinute / 60_000),
          ).toBeLessThan(slack);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("never runs more than the concurrency cap, and no failing task leaks a slot", async () => {
    const failure = fc.constantFrom("none", "sync", "async", "overloaded", "rate_limited");
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(
          fc.record({
            arrival: fc.integer({ min: 0, max: 5_000 }),
            duration: fc.integer({ min: 0, max: 500 }),
            failure,
          }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.boolean(),
        async (cap, jobs, retry) => {
          const clock = new ManualClock(0);
          const throttle = new Throttle({
            clock,
            random: () => 0.5,
            concurrency: cap,
            requestsPerMinute: { perMinute: 600, burst: 5 },
            retry: retry ? { maxAttempts: 2, initialDelayMs: 50 } : false,
          });
          let inFlight = 0;
          let peak = 0;
          const runs: Promise<unknown>[] = [];
          for (const spec of [...jobs].sort((a, b) => a.arrival - b.arrival)) {
            await clock.advanceTo(spec.arrival);
            const task = () => {
              if (spec.failure === "sync") throw new Error("sync failure");
              inFlight++;
              peak = Math.max(peak, inFlight);
              return sleep(clock, spec.duration).then(() => {
                inFlight--;
                if (spec.failure === "async") throw new Error("async failure");
                if (spec.failure === "overloaded") throw new FakeProviderError({ status: 529 });
                if (spec.failure === "rate_limited")
                  throw new FakeProviderError({ status: 429, retryAfterMs: 200 });
              });
            };
            runs.push(throttle.run(task).catch(() => {}));
          }
          await clock.runAll();
          await Promise.all(runs);
          expect(peak).toBeLessThanOrEqual(cap);
          const stats = throttle.stats();
          expect(stats).toMatchObject({ running: 0, queued: 0, waitingRetry: 0 });
          expect(stats.succeeded + stats.failed).toBe(jobs.length);
          expect(clock.pendingTimers).toBe(0);
          // The slots really are free: as many new jobs start as the (possibly reduced) cap allows.
          let release!: () => void;
          const gate = new Promise<void>((resolve) => {
            release = resolve;
          });
          const fresh = Array.from({ length: cap }, () => throttle.run(() => gate));
          await clock.advance(60_000);
          expect(throttle.stats().running).toBe(Math.min(cap, stats.concurrency));
          release();
          await clock.runAll();
          await Promise.all(fresh);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("never starts a job aborted while it waited, and charges it nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            arrival: fc.integer({ min: 0, max: 3_000 }),
            abortAfter: fc.option(fc.integer({ min: 0, max: 4_000 }), { nil: undefined }),
            duration: fc.integer({ min: 0, max: 1_000 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        async (jobs) => {
          const clock = new ManualClock(0);
          const throttle = new Throttle({ clock, concurrency: 2, requestsPerMinute: 120 });
          // Event order, not time: an abort at the same instant as the start still comes after it.
          let sequence = 0;
          const records: { startedAt?: number; abortedAt?: number; result?: Promise<unknown> }[] = [];
          for (const spec of [...jobs].sort((a, b) => a.arrival - b.arrival)) {
            await clock.advanceTo(spec.arrival);
            const record: { startedAt?: number; abortedAt?: number; result?: Promise<unknown> } = {};
            const controller = new AbortController();
            if (spec.abortAfter !== undefined) {
              clock.setTimer(() => {
                record.abortedAt = sequence++;
                controller.abort(new Error("aborted"));
              }, spec.abortAfter);
            }
            record.result = throttle
              .run(
                async ({ signal }) => {
                  record.startedAt = sequence++;
                  await Promise.race([
                    sleep(clock, spec.duration),
                    new Promise((resolve) => signal.addEventListener("abort", resolve)),
                  ]);
                },
                { signal: controller.signal },
              )
              .then(
                () => "ok",
                () => "rejected",
              );
            records.push(record);
          }
          await clock.runAll();
          const results = await Promise.all(records.map((record) => record.result));
          let started = 0;
          records.forEach((record, index) => {
            if (record.startedAt !== undefined) {
              started++;
              if (record.abortedAt !== undefined) expect(record.startedAt).toBeLessThan(record.abortedAt);
            } else {
              // Never started: it must have been aborted while waiting, and rejected.
              expect(record.abortedAt).toBeDefined();
              expect(results[index]).toBe("rejected");
            }
          });
          expect(throttle.stats().admitted.requests).toBe(started);
          expect(throttle.stats()).toMatchObject({ running: 0, queued: 0 });
        },
      ),
      { numRuns: 80 },
    );
  });
});
