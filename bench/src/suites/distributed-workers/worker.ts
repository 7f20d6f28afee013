// One bench worker process: `node worker.js <redis-url> <queue> <concurrency>`; prints "ready".
import { startWorker } from "@sluice/bullmq";
import { BusyItems, SlowItems } from "./nodes.js";

const [url = "", queue = "", concurrency = "1"] = process.argv.slice(2);
const worker = await startWorker({
  connection: url,
  queue,
  nodes: { SlowItems, BusyItems },
  concurrency: Number(concurrency),
  // Short locks: a killed worker's items move to another within about two seconds.
  lockDurationMs: 2_000,
  stalledIntervalMs: 1_000,
  logger: null,
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  worker.close().then(() => process.exit(0));
});
