import { startRedisServer } from "@sluice/throttle-redis/testing";
import { type Benchmark, measureBenchmark, type RunOptions } from "../harness/report.js";
import { admissionCostSection } from "./distributed/admission-cost.js";
import type { DistributedSection } from "./distributed/sections.js";
import { sharedQuotaSection } from "./distributed/shared-quota.js";
import { workersSection } from "./distributed/workers.js";

/** The sections `pnpm bench distributed` runs, in order. */
export const DISTRIBUTED_SECTIONS: DistributedSection[] = [
  sharedQuotaSection,
  admissionCostSection,
  workersSection,
];

export const distributedBenchmark: Benchmark = {
  name: "distributed",
  title: "Beyond one process: one quota shared through Redis",
  description:
    "4 processes sharing one quota through RedisThrottleStore vs 4 uncoordinated processes vs one, against the emulator: makespan vs the lower bound and 429s; the Redis store's admission cost per job; BullMQ workers: kill -9 exactly-once and 2 workers vs 1 on CPU-heavy items.",
  run: (options) => runDistributed(options),
};

async function runDistributed(options: RunOptions) {
  const rounds = options.rounds ?? (options.smoke ? 1 : 3);
  return measureBenchmark(distributedBenchmark, options, rounds, async () => {
    // One private redis-server for the whole benchmark (never a shared 6379); each run has its own quota.
    const redis = await startRedisServer();
    try {
      const context = { smoke: options.smoke, rounds, log: options.log, redisUrl: redis.url };
      const tables = [];
      const settings: Record<string, unknown> = {};
      const results: Record<string, unknown> = {};
      for (const section of DISTRIBUTED_SECTIONS) {
        const outcome = await section.run(context);
        tables.push(...outcome.tables);
        settings[section.id] = outcome.settings ?? {};
        results[section.id] = outcome.results;
      }
      return { tables, settings, results };
    } finally {
      await redis.stop();
    }
  });
}
