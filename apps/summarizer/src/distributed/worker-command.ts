import { isLlmError } from "@sluice/llm";
import { Command, CommanderError } from "commander";
import { UsageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { type RawFlags, resolveOptions } from "../options.js";
import { runPoolWorker } from "./pool-worker.js";
import { isPoolSetupError } from "./setup-errors.js";

/**
 * `summarize worker --redis redis://host:6379 [provider flags]`: joins the pool until Ctrl-C or
 * SIGTERM. Resolves to the exit code.
 */
export async function runWorkerCommand(argv: readonly string[], cwd: string): Promise<number> {
  const program = new Command("summarize worker")
    .description("Join the pool of a Redis: run the model calls that `summarize … --redis` producers send.")
    .requiredOption("--redis <url>", "the Redis the producers use, e.g. redis://127.0.0.1:6379")
    .option("-p, --provider <name>", "local | anthropic | emulator | openai (as for a run)")
    .option("-m, --model <id>", "model id")
    .option("--base-url <url>", "send requests to this server instead")
    .option("-c, --concurrency <n>", "most model calls this worker runs at once (default: 8; local: 4)")
    .option("--rpm <n>", "this worker's requests per minute (until the shared quota is wired in)")
    .option("--itpm <n>", "input tokens per minute")
    .option("--otpm <n>", "output tokens per minute")
    .option("--time-scale <k>", "emulator only: one provider minute lasts 60/k seconds")
    .exitOverride();
  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === "commander.helpDisplayed" ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const flags = program.opts<RawFlags & { redis: string }>();
  let options: ReturnType<typeof resolveOptions>;
  try {
    // A worker has no inputs of its own; the placeholder only satisfies the run's validation.
    options = resolveOptions(["(pool worker)"], { ...flags, workers: undefined }, { cwd, env: process.env });
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`summarize worker: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await runPoolWorker(
      { ...options, redis: flags.redis },
      { stderr: process.stderr, signal: controller.signal },
    );
    return EXIT.ok;
  } catch (error) {
    if (isPoolSetupError(error)) {
      process.stderr.write(`summarize worker: ${error.message}\n`);
      return EXIT.badSetup;
    }
    if (error instanceof UsageError || isLlmError(error, "configuration")) {
      process.stderr.write(`summarize worker: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
