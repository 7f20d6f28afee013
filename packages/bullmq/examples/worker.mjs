// worker.mjs: start it twice (or on two machines); Ctrl-C or SIGTERM stops it.
import { startWorker } from "@sluice/bullmq";
import { Throttle } from "@sluice/throttle";
import { RedisThrottleStore } from "@sluice/throttle-redis";
import { SummarizeAll } from "./nodes.mjs";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
// One quota for the whole pool: 240 requests a minute between all workers, however many run.
const store = await RedisThrottleStore.connect({ url, quota: "offline-model" });
const throttle = new Throttle({ requestsPerMinute: { perMinute: 240, burst: 4 }, store });

const worker = await startWorker({
  connection: url,
  queue: "summaries",
  // Built here, so each exec runs inside this worker's throttle (one request each).
  nodes: { SummarizeAll: () => new SummarizeAll({ limiter: throttle, timeout: 30_000 }) },
  concurrency: 4,
});
console.log(`worker ${process.pid} ready`);

async function stop() {
  await worker.close(); // finishes the items it is running first
  await throttle.close();
  await store.close();
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
