import { type ChildProcess, spawn } from "node:child_process";
import { promises as fs, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from "@sluice/llm";
import { type Emulator, type EmulatorOptions, startEmulator } from "@sluice/llm-emulator";
import xterm from "@xterm/headless";
import { onTestFinished } from "vitest";
import type { IndexFile } from "./outputs.js";

/** A fresh temporary folder, removed when the test that asked for it finishes. */
export function tempDir(prefix = "summarizer-"): string {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Writes files (relative path → content) under `root`, creating folders. */
export async function writeFiles(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
}

/** Distinct sentences, `count` of them, about `topic`: text whose summary is easy to check. */
export function prose(topic: string, count: number): string {
  return Array.from(
    { length: count },
    (_, index) => `The ${topic} note number ${index + 1} says that ${topic} matters for reason ${index + 1}.`,
  ).join(" ");
}

export interface ScriptedCall {
  readonly request: ChatRequest;
}

/**
 * A small in-test ChatModel: answers with the first sentence of the prompt's text, or throws what
 * `fail` returns for a request. Records every call.
 */
export function scriptedModel(
  fail?: (request: ChatRequest, call: number) => unknown,
): ChatModel & { calls: ScriptedCall[] } {
  const calls: ScriptedCall[] = [];
  const generate = async (request: ChatRequest): Promise<ChatResponse> => {
    calls.push({ request });
    const error = fail?.(request, calls.length);
    if (error !== undefined) throw error;
    const content = request.messages.at(-1)?.content ?? "";
    const text =
      content
        .split("\n\n")
        .slice(1)
        .join(" ")
        .split(/(?<=\.)\s/)[0] ?? "";
    return {
      text,
      usage: {
        inputTokens: Math.ceil(content.length / 4),
        outputTokens: Math.ceil(text.length / 4),
        cacheReadInputTokens: 0,
        cacheCreationInputTokens: 0,
      },
      stopReason: "end_turn",
      model: "scripted",
    };
  };
  return {
    specificationVersion: "v1",
    provider: "scripted",
    modelId: "scripted",
    calls,
    generate,
    async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      yield { type: "done", response: await generate(request) };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// End to end: the real built CLI (dist/cli.js, built once by build-cli.global.ts) as a subprocess.

export const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
export const CLI_PATH = path.join(APP_DIR, "dist", "cli.js");

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

/**
 * Runs `summarize args…` in `cwd` with a clean environment (PATH and HOME, plus `env`); the child is
 * killed if the test ends first.
 */
export function spawnCli(
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started }),
    );
  });
  return { child, done };
}

export const runCli = (args: readonly string[], cwd: string, env?: Record<string, string>) =>
  spawnCli(args, cwd, env).done;

export async function readIndexFile(out: string): Promise<IndexFile> {
  return JSON.parse(await fs.readFile(path.join(out, "index.json"), "utf8")) as IndexFile;
}

/** An emulator on 127.0.0.1, closed when the test finishes. */
export async function emulatorForTest(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator(options);
  onTestFinished(() => emulator.close());
  return emulator;
}

export interface ResettingProxy {
  readonly url: string;
  /** Successful responses seen, and how many of them were cut (connection reset) instead of delivered. */
  readonly stats: { responses: number; resets: number };
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of `target` that lets every request through to the server and then resets
 * the connection instead of delivering some of the successful answers: the answer is lost after
 * the server ran (and billed) the request, the fault a flaky network or proxy causes.
 * `cut(n, request)` says whether the n-th successful response (1-based), the answer to `request`
 * (the raw HTTP request as sent, head and body), is cut. Closed when the test finishes.
 */
export async function startResettingProxy(
  target: string,
  cut: (response: number, request: string) => boolean,
): Promise<ResettingProxy> {
  const { hostname, port } = new URL(target);
  const stats = { responses: 0, resets: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    // The SDK sends one request at a time on a connection (no pipelining), so what the client sent
    // since the last response began is the request the next response answers.
    let request = "";
    client.on("data", (chunk: Buffer) => {
      request += chunk.toString("utf8");
    });
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (chunk.subarray(0, 12).toString("latin1") === "HTTP/1.1 200") {
        stats.responses += 1;
        const answered = request;
        request = "";
        if (cut(stats.responses, answered)) {
          stats.resets += 1;
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  onTestFinished(close);
  return { url: `http://127.0.0.1:${address.port}`, stats, close };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// A real terminal: util-linux `script` gives the CLI a pseudo-terminal of a set width; the bytes it
// wrote are replayed into a headless xterm.js, so a test reads the screen a user would see.

export interface TerminalRun {
  readonly code: number | null;
  /** Everything the CLI wrote to the terminal (stdout and stderr), control sequences included. */
  readonly raw: string;
  /** Whether the run was killed for overrunning `timeoutMs`. */
  readonly timedOut: boolean;
}

export interface TerminalOptions {
  readonly cols: number;
  readonly env?: Record<string, string>;
  /** The whole run is killed (script, the shell and the CLI) after this long. Default 120 s. */
  readonly timeoutMs?: number;
  /** Called with each chunk of output; `type` writes to the terminal as keystrokes (e.g. "\x03", Ctrl-C). */
  readonly onOutput?: (raw: string, type: (keys: string) => void) => void;
}

/**
 * Runs `summarize args…` on a pseudo-terminal `cols` wide (24 rows), through `script -qfec`. The
 * child gets its own process group, and the whole group is killed with SIGKILL on the timeout or
 * when the test ends, so no test can hang on it.
 */
export function runInTerminal(
  args: readonly string[],
  cwd: string,
  options: TerminalOptions,
): Promise<TerminalRun> {
  const command = [process.execPath, CLI_PATH, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`);
  const child = spawn(
    "script",
    ["-qfec", `stty cols ${options.cols} rows 24; exec ${command.join(" ")}`, "/dev/null"],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        TERM: "xterm-256color",
        ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    },
  );
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  onTestFinished(killGroup);
  let raw = "";
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs ?? 120_000);
  const type = (keys: string) => child.stdin?.write(keys);
  child.stdout?.on("data", (chunk) => {
    raw += String(chunk);
    options.onOutput?.(raw, type);
  });
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, raw, timedOut });
    });
  });
}

/** The lines a `cols`-wide terminal shows after `raw` was written to it (rows it wrapped joined), scrollback included. */
export async function screenOf(raw: string, cols: number): Promise<string[]> {
  const terminal = new xterm.Terminal({ cols, rows: 24, scrollback: 10_000, allowProposedApi: true });
  await new Promise<void>((resolve) => terminal.write(raw, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let row = 0; row < buffer.length; row++) {
    const line = buffer.getLine(row);
    const text = line?.translateToString(true) ?? "";
    // A row the terminal wrapped onto continues the line above.
    if (line?.isWrapped === true && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  terminal.dispose();
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return lines;
}
