// shared-quota.mjs: a producer that starts two worker processes, each with its own Throttle, on one quota.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Throttle } from "@sluice/throttle";
import { RedisThrottleStore } from "@sluice/throttle-redis";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const [role, id, startedAt] = process.argv.slice(2);

if (role !== "worker") {
  // 2 × 8 calls at 240 requests/min (4 a second) with a burst of 4 take about 3 s between them.
  // With an in-memory throttle each, both would be done in 1 s, at twice the quota.
  const started = Date.now();
  const script = fileURLToPath(import.meta.url);
  const workers = [1, 2].map((n) => fork(script, ["worker", String(n), String(started)]));
  const codes = await Promise.all(
    workers.map((worker) => new Promise((resolve) => worker.on("exit", resolve))),
  );
  console.log(`both workers done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (codes.some((code) => code !== 0)) process.exitCode = 1;
} else {
  const store = await RedisThrottleStore.connect({ url, quota: "anthropic:team-key" });
  const throttle = new Throttle({
    concurrency: 50,
    requestsPerMinute: { perMinute: 240, burst: 4 },
    inputTokensPerMinute: 400_000,
    store,
  });
  await Promise.all(
    Array.from({ length: 8 }, (_, call) =>
      throttle.run(
        async ({ reportUsage }) => {
          // Your model call goes here; report real usage so the shared buckets are corrected.
          reportUsage({ inputTokens: 1_500 });
          const at = ((Date.now() - Number(startedAt)) / 1000).toFixed(2);
          console.log(`worker ${id} call ${call} at ${at} s`);
        },
        { cost: { inputTokens: 2_000 } },
      ),
    ),
  );
  await throttle.close();
  await store.close(); // gives back unused lease and slots
}
