import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isLlmError } from "@sluice/llm";
import { Command, CommanderError } from "commander";
import { isPoolSetupError } from "./distributed/setup-errors.js";
import { InterruptedError, UsageError } from "./errors.js";
import { EXIT, exitCodesHelp } from "./exit-codes.js";
import {
  DEFAULT_CHUNK_TOKENS,
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIME_SCALE,
  type RawFlags,
  resolveOptions,
} from "./options.js";
import { runSummarizer } from "./run.js";
import { StatusLine } from "./status-line.js";

const HELP_AFTER = `
Inputs are files, folders (read recursively: .txt .md .rst .adoc .org .tex …, hidden files and
node_modules skipped) and glob patterns (quote them: "notes/**/*.txt"). Each input gets a Markdown
summary in the output folder and one entry in DIR/index.json; bad inputs (missing, binary, not
UTF-8, empty, over 20 MB, symlink loops, duplicates, …) get a status there instead of stopping the run.

Examples:
  summarize --demo                                  the bundled texts, offline, no setup
  summarize docs/ --out summaries                   a folder (offline unless ANTHROPIC_API_KEY is set)
  summarize "reports/**/*.md" --provider anthropic --model claude-haiku-5-5 --budget '$2'
  summarize docs/ --provider emulator               a local stand-in for the API: watch throttling and retries
  summarize docs/ --provider anthropic --rpm 50 --itpm 30k --otpm 8k --dry-run
  summarize docs/ --provider anthropic --batch      Message Batches: half price, results within 24 h
  summarize docs/ --provider openai --base-url http://localhost:11434/v1 --model llama3.2
                                                   any OpenAI-compatible server (Ollama, vLLM, LM Studio)
  summarize docs/ --out summaries --resume          after Ctrl-C or a crash: only what is missing
  summarize docs/ --json > report.json              machine-readable report on stdout
  summarize worker --redis redis://host:6379 --provider anthropic
                                                   join a pool (on as many machines as you like)
  summarize docs/ --redis redis://host:6379 --workers 2
                                                   run on that pool, with 2 local workers too

Exit codes:
${exitCodesHelp()}
`;

/** The `summarize` command line: parses flags with commander and hands over to `runSummarizer`. */
function buildProgram(): Command {
  return new Command("summarize")
    .description(
      "Summarize many files in parallel, within the provider's rate limits, resumable after a crash or Ctrl-C.",
    )
    .version(packageVersion(), "-V, --version", "print the version of summarize")
    .argument("[inputs...]", "files, folders or glob patterns")
    .option(
      "-o, --out <dir>",
      "output folder for the summaries, index.json and the journal (default: ./summaries; with --demo: ./out/demo-summaries)",
    )
    .option(
      "-p, --provider <name>",
      "local | anthropic | emulator | openai (default: anthropic when ANTHROPIC_API_KEY is set, else local)",
    )
    .option(
      "-m, --model <id>",
      "model id for anthropic/emulator (default: claude-sonnet-5-5) or openai (required for local servers)",
    )
    .option(
      "--base-url <url>",
      "send anthropic or openai requests to this server instead (a proxy, the emulator, Ollama's http://localhost:11434/v1)",
    )
    .option("-c, --concurrency <n>", "most model calls in flight (default: 8; local: 4)")
    .option(
      "--files-in-flight <n>",
      "most files loaded at once, bounding memory (default: 2 × concurrency, 4 to 64)",
    )
    .option("--rpm <n>", "requests per minute (default: learned from the provider's rate-limit headers)")
    .option("--itpm <n>", "input tokens per minute, e.g. 30k (default: learned from headers)")
    .option("--otpm <n>", "output tokens per minute, e.g. 8k (default: learned from headers)")
    .option("--max-tokens <n>", `most output tokens per call (default: ${DEFAULT_MAX_TOKENS})`)
    .option(
      "--chunk-tokens <n>",
      `largest part of a document sent in one call, in tokens (default: ${DEFAULT_CHUNK_TOKENS.toLocaleString("en-US")})`,
    )
    .option(
      "--budget <amount>",
      'stop launching work before this is exceeded: dollars ("$2", "2usd") or tokens ("500k tokens")',
    )
    .option("--batch", "use Anthropic Message Batches: half price, results within 24 h, resumable")
    .option("--resume", "skip inputs finished by an earlier run into the same --out (unchanged content only)")
    .option(
      "--dry-run",
      "list the work, estimated tokens and cost, and the fastest possible time; send nothing",
    )
    .option("--json", "print the report as JSON on stdout (human text goes to stderr)")
    .option("--demo", "summarize the bundled public-domain texts (what `pnpm demo` runs)")
    .option(
      "--time-scale <k>",
      `emulator only: one provider minute lasts 60/k seconds (default: ${DEFAULT_TIME_SCALE})`,
    )
    .option("--no-progress", "no live progress display")
    .option("--redis <url>", "send the model calls to the pool of `summarize worker` processes at this Redis")
    .option("--workers <n>", "with --redis: also start N local pool workers for this run")
    .addHelpText("after", HELP_AFTER)
    .showHelpAfterError("(run summarize --help for every flag and examples)")
    .exitOverride();
}

/** The version in the package's manifest, next to dist/ as in the published package. */
function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)("../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The bundled texts: texts/*.txt next to dist/ (the folder's README.md describes them and is not one). */
function demoTexts(): string[] {
  const directory = fileURLToPath(new URL("../texts/", import.meta.url));
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith(".txt"))
      .sort()
      .map((name) => path.join(directory, name));
  } catch {
    return [];
  }
}

async function main(): Promise<number> {
  if (process.argv[2] === "worker") {
    // Loaded only here and for --redis: BullMQ and ioredis cost a fifth of a second at every start.
    const { runWorkerCommand } = await import("./distributed/worker-command.js");
    return runWorkerCommand(process.argv.slice(3), process.cwd());
  }
  const program = buildProgram();
  try {
    program.parse(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version"
        ? EXIT.ok
        : EXIT.usage;
    }
    throw error;
  }

  const cwd = process.cwd();
  let options: ReturnType<typeof resolveOptions>;
  try {
    options = resolveOptions(program.args, program.opts<RawFlags>(), {
      cwd,
      env: process.env,
      ...(program.opts<RawFlags>().demo === true ? { demoTexts: demoTexts() } : {}),
    });
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(
        `summarize: ${error.message}\n(run summarize --help for every flag and examples)\n`,
      );
      return EXIT.usage;
    }
    throw error;
  }

  // Ctrl-C or SIGTERM: abort in-flight calls, write index.json, print how to resume. A second one exits at once.
  // Messages go through the terminal's live line, so they are not drawn over it (or it over them).
  const statusLine = new StatusLine(process.stderr);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) {
      statusLine.clear();
      process.stderr.write(
        `\n${name} again: exiting now. Finished summaries are on disk; rerun with --resume.\n`,
      );
      process.exit(EXIT.interrupted);
    }
    statusLine.note(
      `${name}: stopping. In-flight calls are being aborted and finished summaries kept (press Ctrl-C again to quit at once).`,
    );
    controller.abort(new InterruptedError(name));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    const result = await runSummarizer(options, {
      stdout: process.stdout,
      stderr: process.stderr,
      isTTY: process.stderr.isTTY === true,
      statusLine,
      cwd,
      command: ["summarize", ...process.argv.slice(2)].map((arg, index) => (index === 0 ? invokedAs() : arg)),
      signal: controller.signal,
    });
    return result.exitCode;
  } catch (error) {
    // A setup the adapters refuse before sending anything (a missing key, a bad option) is the user's to fix.
    if (error instanceof UsageError || isLlmError(error, "configuration")) {
      process.stderr.write(`summarize: ${error.message}\n`);
      return EXIT.usage;
    }
    if (isPoolSetupError(error)) {
      process.stderr.write(`summarize: ${error.message}\n`);
      return EXIT.badSetup;
    }
    throw error;
  }
}

/** "summarize" when run through the bin, else the script's path (for `node apps/summarizer/dist/cli.js`). */
function invokedAs(): string {
  const script = process.argv[1] ?? "summarize";
  return /(?:^|[\\/])summarize$/.test(script) ? "summarize" : script;
}

main().then(
  (code) => {
    // Every handle (sockets, timers, the emulator) is closed by now, but an SDK keep-alive agent may
    // linger for seconds; exit once the output is flushed.
    process.stdout.write("", () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(
      `summarize: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT.someFailed);
  },
);
