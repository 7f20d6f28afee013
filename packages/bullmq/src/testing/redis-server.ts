import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BINARY = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";

/**
 * A private redis-server for one test file: a free loopback port, no persistence of its own, a temp
 * directory so `restart()` can carry the data over (SHUTDOWN SAVE, then start on the same port).
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (keeping its data when `keepData`); the port stays reserved for `start`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Starts it again on the same port, loading the data `stop({ keepData: true })` saved. */
  start(): Promise<void>;
  /** Stops the server for good and removes its directory. */
  close(): Promise<void>;
}

/**
 * Whether tests can run here. In CI a missing binary fails the suite; elsewhere tests skip and print
 * why, loudly, so a green run without Redis is never mistaken for a tested one.
 */
export function redisAvailable(): boolean {
  const found = existsSync(BINARY) && spawnSync(BINARY, ["--version"]).status === 0;
  if (!found) {
    const message = `redis-server not found at ${BINARY} (set REDIS_SERVER, or apt install redis-server / brew install redis).`;
    if (process.env.CI) throw new Error(`${message} CI must run the Redis tests.`);
    console.warn(`\n*** SKIPPING @sluice/bullmq Redis tests: ${message} ***\n`);
  }
  return found;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sluice-redis-"));
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    child = spawn(BINARY, [...args, "--dir", dir, "--dbfilename", "dump.rdb"], { stdio: "ignore" });
    await waitUntil(() => canConnect(port), 10_000, `redis-server on port ${port} did not start`);
  };
  const stop = async (options: { keepData?: boolean } = {}) => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    if (options.keepData) await sendCommand(port, ["SHUTDOWN", "SAVE"]).catch(() => {});
    else running.kill("SIGKILL");
    await Promise.race([exited, sleep(10_000)]);
    if (running.exitCode === null && running.signalCode === null) running.kill("SIGKILL");
    child = undefined;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return sendCommand(port, ["PING"]).then(
    (reply) => reply.startsWith("+PONG"),
    () => false,
  );
}

/** One RESP command over a raw socket, so starting and stopping needs no client library. */
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
      socket.end();
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.connect(port, "127.0.0.1", () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
    });
  });
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  message: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${message} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
