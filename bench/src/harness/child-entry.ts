/**
 * The entry point of every benchmark child: receives `{ module, params }`, imports the module, runs
 * `run(params)`, and sends back the result with the process's peak RSS before and after. One job per
 * process, then exit.
 */
process.once("message", (job: { module: string; params: unknown }) => {
  void main(job);
});

// A task whose promise never settles and leaves nothing running would let the process exit quietly:
// say so instead, so the run fails with a reason rather than "without a result".
process.once("beforeExit", () => {
  send({
    type: "error",
    error: "the event loop emptied before run() settled (a promise that never resolves)",
  });
});

async function main(job: { module: string; params: unknown }): Promise<void> {
  try {
    const loaded = (await import(new URL(`../${job.module}.js`, import.meta.url).href)) as {
      run(params: unknown): Promise<unknown>;
    };
    const baselineKb = process.resourceUsage().maxRSS;
    const data = await loaded.run(job.params);
    const peakKb = process.resourceUsage().maxRSS;
    send({ type: "result", data, memory: { baselineKb, peakKb } });
  } catch (error) {
    send({ type: "error", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

function send(message: unknown): void {
  // Exit once the message is out: a task may leave sockets or timers behind.
  process.send?.(message, () => process.exit(0));
}
