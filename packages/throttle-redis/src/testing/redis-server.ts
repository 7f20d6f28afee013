import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A private redis-server on a free loopback port, for tests. It never saves on its own
 * (`--save "" --appendonly no`); `stop({ keepData: true })` saves once, so that `start()` comes
 * back with the data, as a Redis with persistence would after a restart.
 */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /**
   * Stops the server, as an outage would. Its data is gone, unless `keepData`: then it is saved
   * first (SHUTDOWN SAVE) and `start()` loads it. The port stays this server's for `start()`.
   */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Starts it again on the same port: empty, or with what `stop({ keepData: true })` saved. */
  start(): Promise<void>;
  /** Stops it for good and removes what it saved; call it in `afterAll`. Safe to call twice. */
  close(): Promise<void>;
}

const HOW_TO_INSTALL =
  "Install it (apt-get install -y redis-server, or brew install redis) or point REDIS_SERVER at the binary.";

/**
 * Where redis-server is: `$REDIS_SERVER`, /usr/bin/redis-server, or on PATH; undefined when absent.
 */
export function findRedisServer(): string | undefined {
  const candidates = [
    process.env.REDIS_SERVER,
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
    "/opt/homebrew/bin/redis-server",
    ...(process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, "redis-server")),
  ];
  return candidates.find((candidate) => candidate !== undefined && candidate !== "" && existsSync(candidate));
}

/**
 * For a test file: the redis-server binary, or undefined to skip. In CI (`CI` set) a missing
 * redis-server throws, so the suite fails instead of passing untested; elsewhere it warns loudly.
 *
 * @example
 * const binary = redisServerForTests();
 * describe.skipIf(binary === undefined)("with Redis", () => { … });
 */
export function redisServerForTests(): string | undefined {
  const binary = findRedisServer();
  if (binary !== undefined) return binary;
  const message = `redis-server not found. ${HOW_TO_INSTALL}`;
  if (process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false") {
    throw new Error(`${message} (CI: tests that need Redis must not be skipped.)`);
  }
  console.warn(`\n*** SKIPPING Redis tests: ${message} ***\n`);
  return undefined;
}

/** A free TCP port on 127.0.0.1, as the kernel hands one out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server --port <free> --save "" --appendonly no --bind 127.0.0.1` and resolves once it
 * accepts connections (within 15 s, or rejects with its output). Close it in `afterAll`.
 */
export async function startRedisServer(
  options: { binary?: string; port?: number } = {},
): Promise<RedisServer> {
  const binary = options.binary ?? findRedisServer();
  if (binary === undefined) throw new Error(`redis-server not found. ${HOW_TO_INSTALL}`);
  const port = options.port ?? (await freePort());
  // Its own file name in the shared temp directory: what one server saves, no other loads.
  const dbfilename = `sluice-redis-${port}-${process.pid}.rdb`;
  const saved = path.join(tmpdir(), dbfilename);
  rmSync(saved, { force: true });
  let child: ChildProcess | undefined = await launch(binary, port, dbfilename);
  let closed = false;

  const stop = async (stopOptions: { keepData?: boolean } = {}) => {
    const running = child;
    child = undefined;
    if (running !== undefined) await terminate(running, port, stopOptions.keepData === true);
    if (stopOptions.keepData !== true) rmSync(saved, { force: true });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async start() {
      if (closed) throw new Error(`The redis-server on port ${port} was closed; start a new one.`);
      if (child !== undefined) return;
      child = await launch(binary, port, dbfilename);
    },
    async close() {
      closed = true;
      await stop();
    },
  };
}

async function launch(binary: string, port: number, dbfilename: string): Promise<ChildProcess> {
  const child = spawn(
    binary,
    [
      ...["--port", String(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
      ...["--dir", tmpdir(), "--dbfilename", dbfilename],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server on port ${port} did not start within 15 s:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Printed once the saved data (if any) is loaded, so a restarted server is ready with it.
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (${code}) before it was ready:\n${output}`));
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not run ${binary} (${error.message}). ${HOW_TO_INSTALL}`, { cause: error }));
    });
  });
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

async function terminate(child: ChildProcess, port: number, save: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // SIGTERM saves nothing under `--save ""`; SHUTDOWN SAVE writes the data for the next start.
  if (save) await sendCommand(port, ["SHUTDOWN", "SAVE"]).catch(() => child.kill("SIGTERM"));
  else child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One RESP command over a raw socket, so stopping with a save needs no client library. */
function sendCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => socket.destroy(new Error("redis command timed out")), 5_000);
    let reply = "";
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("data", (data) => {
      reply += data.toString();
    });
    // SHUTDOWN answers nothing when it succeeds: the server closes the connection.
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.connect(port, "127.0.0.1", () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
    });
  });
}
