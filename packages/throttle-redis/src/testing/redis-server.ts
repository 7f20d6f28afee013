import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** A private redis-server on a free loopback port, for tests. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (its data is gone: it never saves). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (a Redis restart). */
  restart(): Promise<void>;
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
 * accepts connections (within 15 s, or rejects with its output). Stop it in `afterAll`.
 */
export async function startRedisServer(
  options: { binary?: string; port?: number } = {},
): Promise<RedisServer> {
  const binary = options.binary ?? findRedisServer();
  if (binary === undefined) throw new Error(`redis-server not found. ${HOW_TO_INSTALL}`);
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined = await launch(binary, port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const running = child;
      child = undefined;
      if (running !== undefined) await terminate(running);
    },
    async restart() {
      if (child !== undefined) await terminate(child);
      child = await launch(binary, port);
    },
  };
}

async function launch(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    binary,
    ["--port", String(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--dir", tmpdir()],
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
  });
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
