import { parseArgs } from "node:util";
import { InvalidOptionError } from "./errors.js";
import type { EmulatorOptions } from "./options.js";
import { type Emulator, startEmulator } from "./server.js";

/** The port the command line uses when `--port` is not given (code defaults to a free port). */
export const DEFAULT_CLI_PORT = 8787;

export const USAGE = `Usage: sluice-emulator [options]

A loopback server speaking the Anthropic Messages / Message Batches and OpenAI chat-completions APIs,
with rate limits, faults and latency. Not a language model: answers are extractive summaries.

Server
  --port <n>                  port to listen on (default ${DEFAULT_CLI_PORT}; 0 picks a free one)
  --host <addr>               interface (default 127.0.0.1)
  --api-key <key>             accept only this key (repeatable); others get 401
  --seed <n>                  seed of every random choice (default 1)
Limits (per provider minute; leave out for unlimited)
  --rpm <n>                   requests per minute
  --itpm <n>                  Anthropic input tokens per minute
  --otpm <n>                  Anthropic output tokens per minute
  --tpm <n>                   OpenAI tokens per minute
  --concurrency <n>           requests generating at once (then 529 / 503)
  --time-scale <k>            a provider minute lasts 60/k real seconds (default 1)
  --no-headers                send no rate-limit, retry-after or request-id headers
Latency (provider ms, divided by the time scale)
  --latency-first-token <ms>  time to first token (default 0)
  --latency-per-token <ms>    time per output token (default 0)
  --latency-jitter <0..1>     relative jitter (default 0)
Faults (rates 0..1)
  --overloaded-rate <r>       529 overloaded_error before admission
  --midstream-rate <r>        SSE overloaded_error after HTTP 200 (streams)
  --reset-rate <r>            connection resets
  --reset-after-answer-rate <r>  answered and charged, then the connection resets
  --stream-cut-rate <r>       half the answer, then the connection resets
  --malformed-rate <r>        200 with a malformed body
  --slow-rate <r>             slow responses, delayed by --slow-ms (default 30000)
Batches and text
  --batch-processing-ms <ms>  provider time a message batch takes (default 0)
  --batch-expiry-ms <ms>      provider time before an unfinished batch expires (default 24 h)
  --context-window <tokens>   input tokens above this get 400 prompt_too_long (default 200000)
  --summary-ratio <r>         share of prompt sentences kept in answers (default 0.333)
  -h, --help                  show this help`;

/** Each numeric flag and where its value goes in the options. */
const NUMBER_FLAGS: Record<string, (options: MutableOptions, value: number) => void> = {
  port: (o, v) => {
    o.port = v;
  },
  seed: (o, v) => {
    o.seed = v;
  },
  rpm: (o, v) => {
    limits(o).requestsPerMinute = v;
  },
  itpm: (o, v) => {
    limits(o).inputTokensPerMinute = v;
  },
  otpm: (o, v) => {
    limits(o).outputTokensPerMinute = v;
  },
  tpm: (o, v) => {
    limits(o).tokensPerMinute = v;
  },
  concurrency: (o, v) => {
    limits(o).maxConcurrency = v;
  },
  "time-scale": (o, v) => {
    o.timeScale = v;
  },
  "latency-first-token": (o, v) => {
    latency(o).firstTokenMs = v;
  },
  "latency-per-token": (o, v) => {
    latency(o).perOutputTokenMs = v;
  },
  "latency-jitter": (o, v) => {
    latency(o).jitter = v;
  },
  "overloaded-rate": (o, v) => {
    faults(o).overloadedRate = v;
  },
  "midstream-rate": (o, v) => {
    faults(o).midStreamErrorRate = v;
  },
  "reset-rate": (o, v) => {
    faults(o).connectionResetRate = v;
  },
  "reset-after-answer-rate": (o, v) => {
    faults(o).resetAfterAnswerRate = v;
  },
  "stream-cut-rate": (o, v) => {
    faults(o).streamCutRate = v;
  },
  "malformed-rate": (o, v) => {
    faults(o).malformedRate = v;
  },
  "slow-rate": (o, v) => {
    faults(o).slowRate = v;
  },
  "slow-ms": (o, v) => {
    faults(o).slowMs = v;
  },
  "batch-processing-ms": (o, v) => {
    o.batchProcessingMs = v;
  },
  "batch-expiry-ms": (o, v) => {
    o.batchExpiryMs = v;
  },
  "context-window": (o, v) => {
    o.contextWindowTokens = v;
  },
  "summary-ratio": (o, v) => {
    o.summaryRatio = v;
  },
};

type MutableOptions = {
  -readonly [K in keyof EmulatorOptions]: EmulatorOptions[K];
};

function limits(options: MutableOptions) {
  options.limits ??= {};
  return options.limits;
}
function latency(options: MutableOptions) {
  options.latency ??= {};
  return options.latency;
}
function faults(options: MutableOptions) {
  options.faults ??= {};
  return options.faults;
}

export type ParsedCommandLine =
  | { readonly help: true }
  | { readonly help: false; readonly options: EmulatorOptions };

/**
 * The emulator options the command line asks for; throws `InvalidOptionError` on unknown flags or
 * values that are not numbers.
 *
 * @example
 * parseCommandLine(["--rpm", "50", "--time-scale", "10", "--no-headers"])
 * // → { help: false, options: { port: 8787, limits: { requestsPerMinute: 50 }, timeScale: 10, rateLimitHeaders: false } }
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const numberOptions = Object.fromEntries(
    Object.keys(NUMBER_FLAGS).map((name) => [name, { type: "string" as const }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...numberOptions,
        host: { type: "string" },
        "api-key": { type: "string", multiple: true },
        "no-headers": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new InvalidOptionError(
      `${(error as Error).message.replace(/\.$/, "")}. Run sluice-emulator --help for the options.`,
      {
        cause: error,
      },
    );
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help === true) return { help: true };
  const options: MutableOptions = { port: DEFAULT_CLI_PORT };
  for (const [name, apply] of Object.entries(NUMBER_FLAGS)) {
    const raw = values[name];
    if (typeof raw !== "string") continue;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value)) {
      throw new InvalidOptionError(`--${name} needs a number, got ${JSON.stringify(raw)}.`);
    }
    apply(options, value);
  }
  if (typeof values.host === "string") options.host = values.host;
  if (Array.isArray(values["api-key"])) options.apiKeys = values["api-key"];
  if (values["no-headers"] === true) options.rateLimitHeaders = false;
  return { help: false, options };
}

export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** What to print once the emulator listens: its URL and how to point each SDK at it. */
export function banner(emulator: Emulator): string {
  const { limits, timeScale, rateLimitHeaders } = emulator.options;
  const describedLimits =
    Object.entries(limits)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}=${value}`)
      .join(" ") || "none";
  return [
    `Sluice LLM emulator listening on ${emulator.url}`,
    "",
    "Point the SDKs at it:",
    `  Anthropic SDK:  ANTHROPIC_BASE_URL=${emulator.url} ANTHROPIC_API_KEY=any-key`,
    `                  new Anthropic({ baseURL: "${emulator.url}", apiKey: "any-key" })`,
    `  OpenAI SDK:     OPENAI_BASE_URL=${emulator.url}/v1 OPENAI_API_KEY=any-key`,
    `                  new OpenAI({ baseURL: "${emulator.url}/v1", apiKey: "any-key" })`,
    "",
    `Limits: ${describedLimits}; time scale ${timeScale}; rate-limit headers ${rateLimitHeaders ? "on" : "off"}.`,
    "Press Ctrl+C to stop.",
  ].join("\n");
}

/**
 * Runs the command line: parses, starts, prints the banner, and returns the emulator plus `stop`
 * (close, print the final counters). Returns undefined after printing help or an argument error
 * (with `exitCode` 0 or 2).
 */
export async function runCommandLine(
  argv: readonly string[],
  io: CommandIo,
): Promise<{ emulator: Emulator; stop: () => Promise<void> } | { exitCode: number }> {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return { exitCode: 2 };
  }
  if (parsed.help) {
    io.out(`${USAGE}\n`);
    return { exitCode: 0 };
  }
  let emulator: Emulator;
  try {
    emulator = await startEmulator(parsed.options);
  } catch (error) {
    io.err(`${(error as Error).message}\n`);
    return { exitCode: error instanceof InvalidOptionError ? 2 : 1 };
  }
  io.out(`${banner(emulator)}\n`);
  const stop = async () => {
    await emulator.close();
    const stats = emulator.stats();
    io.out(
      `\nStopped. requests=${stats.requests} admitted=${stats.admitted} 429s=${stats.rateLimited} ` +
        `529s=${stats.overloaded} inputTokens=${stats.inputTokens} outputTokens=${stats.outputTokens} ` +
        `maxConcurrent=${stats.maxConcurrent} batches=${stats.batches.created}\n`,
    );
  };
  return { emulator, stop };
}
