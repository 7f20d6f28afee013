// One worker process of the tests: `node worker-process.mjs <redis-url> <queue> [concurrency]`.
// Prints "ready" once it listens; SIGTERM closes it cleanly.
import { startWorker } from "../../dist/index.js";
import { nodes } from "./fixture-nodes.mjs";

const [url, queue, concurrency = "4"] = process.argv.slice(2);
const worker = await startWorker({
  connection: url,
  queue,
  nodes,
  concurrency: Number(concurrency),
  // Short locks so a killed worker's items are recovered within seconds, not BullMQ's 30 s.
  lockDurationMs: Number(process.env.LOCK_MS ?? 1500),
  stalledIntervalMs: Number(process.env.STALLED_MS ?? 1000),
  logger: null,
});
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await worker.close();
  process.exit(0);
});
