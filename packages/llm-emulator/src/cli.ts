#!/usr/bin/env node
import { runCommandLine } from "./command.js";

async function main(): Promise<void> {
  const result = await runCommandLine(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
  if ("exitCode" in result) {
    process.exitCode = result.exitCode;
    return;
  }
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    result.stop().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
