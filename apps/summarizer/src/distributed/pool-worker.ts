import { startWorker } from "@sluice/bullmq";
import { RunControl } from "../nodes/run-control.js";
import type { SummarizerOptions } from "../options.js";
import { openProvider } from "../providers.js";
import { RunStats } from "../stats.js";
import { ModelCalls } from "./model-calls.js";
import { SUMMARIZER_QUEUE } from "./queue-name.js";
import { SharedQuota } from "./worker-throttle.js";

/**
 * `summarize worker --redis URL`: opens the provider as a run would, behind a throttle whose buckets
 * are the pool's shared quota in that Redis (one per provider, server and key), and runs the pool's model calls until `signal` aborts (Ctrl-C, SIGTERM), then finishes or hands
 * back its calls and closes. Resolves when it has stopped.
 */
export async function runPoolWorker(
  options: SummarizerOptions & { readonly redis: string },
  io: { readonly stderr: NodeJS.WritableStream; readonly signal: AbortSignal },
): Promise<void> {
  const stats = new RunStats();
  const quota = await SharedQuota.connect(options.redis, options);
  const session = await openProvider(options, stats, new RunControl(), (throttleOptions) =>
    quota.throttle(throttleOptions),
  ).catch(async (error: unknown) => {
    await quota.close();
    throw error;
  });
  try {
    const worker = await startWorker({
      connection: options.redis,
      queue: SUMMARIZER_QUEUE,
      nodes: { ModelCalls: () => new ModelCalls(session.model) },
      // The throttle decides how many calls really run; this only lets enough wait on it.
      concurrency: options.concurrency,
      logger: { warn: (message: string) => io.stderr.write(`${message}\n`) },
    });
    io.stderr.write(
      `summarize worker: joined the pool at ${options.redis} (${session.modelId} via ${session.endpoint}); Ctrl-C to leave.\n`,
    );
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await worker.close();
    io.stderr.write(`summarize worker: left the pool after ${worker.completed} calls.\n`);
  } finally {
    await session.close();
    await quota.close();
  }
}
