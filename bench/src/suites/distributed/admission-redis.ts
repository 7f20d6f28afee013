import { Throttle } from "@sluice/throttle";
import { RedisThrottleStore } from "@sluice/throttle-redis";
import { type AdmissionCase, type AdmissionSample, measureAdmission } from "../admission/case.js";

export interface RedisAdmissionCase extends AdmissionCase {
  readonly url: string;
  readonly quota: string;
  readonly leaseShare: number;
  /** Burst of the requests bucket; tokens get 1,000× that. The lease is leaseShare of it. */
  readonly burst: number;
}

/**
 * @sluice/throttle on a RedisThrottleStore, limits never binding (refill far above the job rate), so
 * what is measured is the store's own cost: leases from Redis every `leaseShare × burst` jobs.
 */
export async function run(test: RedisAdmissionCase): Promise<AdmissionSample> {
  const store = await RedisThrottleStore.connect({
    url: test.url,
    quota: test.quota,
    leaseShare: test.leaseShare,
  });
  const throttle = new Throttle({
    concurrency: test.concurrency,
    requestsPerMinute: { perMinute: 1e12, burst: test.burst },
    inputTokensPerMinute: { perMinute: 1e15, burst: test.burst * 1_000 },
    outputTokensPerMinute: { perMinute: 1e15, burst: test.burst * 1_000 },
    store,
  });
  const cost = { inputTokens: 1_000, outputTokens: 500 };
  try {
    return await measureAdmission(test, (job) => throttle.run(job, { cost }));
  } finally {
    await throttle.close();
    await store.close();
  }
}
