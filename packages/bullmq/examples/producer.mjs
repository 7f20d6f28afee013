// producer.mjs: sends the items to the pool, then prints each result in input order.
import { BullmqRunner } from "@sluice/bullmq";
import { Flow } from "@sluice/core";
import { SummarizeAll } from "./nodes.mjs";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const texts = Array.from(
  { length: 16 },
  (_, n) =>
    `Ferry ${n} leaves the harbour at dawn. Gulls follow ferry ${n} across the bay. Ferry ${n} is back by dusk.`,
);

// Run again with the same runId and it collects the stored results instead of sending the items.
const runner = await BullmqRunner.connect({ connection: url, queue: "summaries", runId: "ferries" });
const SummarizeAllOnPool = runner.distribute(SummarizeAll); // was: SummarizeAll
const controller = new AbortController();
process.once("SIGINT", () => controller.abort()); // Ctrl-C cancels the run on every worker
const shared = { texts };
try {
  await new Flow(new SummarizeAllOnPool({ maxRetries: 3 })).run(shared, {
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === "progress")
        console.error(`${event.done}/${event.total} done, ${event.inFlight} running`);
    },
  });
} finally {
  await runner.close();
}
for (const [n, { summary, worker }] of shared.summaries.entries()) {
  console.log(`${n}: ${summary} (worker ${worker})`);
}
