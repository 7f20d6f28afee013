// The README's first example, run as a reader would run it: the three files it shows (verbatim), two
// worker processes and a producer, on a real redis-server (a private one, named by REDIS_URL).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type RedisServer,
  redisServerForTests,
  spawnWorkerProcess,
  startRedisServer,
  type WorkerProcess,
} from "./testing/index.js";

const exampleFile = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const codeBlocks = [...readme.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
const ITEMS = 16;

describe("the README's producer and two workers", () => {
  it.each(["nodes.mjs", "worker.mjs", "producer.mjs"])("shows examples/%s verbatim", (name) => {
    expect(codeBlocks).toContain(readFileSync(exampleFile(name), "utf8"));
  });

  it("has as many items as this test expects", () => {
    expect(readFileSync(exampleFile("producer.mjs"), "utf8")).toContain(`{ length: ${ITEMS} }`);
  });
});

const binary = redisServerForTests();

describe.skipIf(binary === undefined)("the README's producer and two workers, run", () => {
  let server: RedisServer;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    server = await startRedisServer({ binary });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("every item's result comes back in input order, from both workers, and everything exits 0", async () => {
    // The offline model, whatever keys this machine has: the example must not reach a provider.
    const env = { REDIS_URL: server.url, SLUICE_PROVIDER: "offline" };
    for (let n = 0; n < 2; n++) workers.push(await spawnWorkerProcess(exampleFile("worker.mjs"), [], env));

    const producer = await runNode(exampleFile("producer.mjs"), env);
    expect(producer.code, producer.stderr).toBe(0);
    const lines = producer.stdout.trim().split("\n");
    expect(lines).toHaveLength(ITEMS);
    const ran = new Set<number>();
    lines.forEach((line, n) => {
      const match = /^(\d+): (.+) \(worker (\d+)\)$/.exec(line);
      expect(match, line).not.toBeNull();
      const [, index, summary, worker] = match!;
      expect(Number(index)).toBe(n);
      // Every sentence of item n names ferry n, so its summary does, and names no other.
      const ferries = [...summary!.matchAll(/\bferry (\d+)\b/gi)].map((found) => Number(found[1]));
      expect(ferries.length, line).toBeGreaterThan(0);
      expect(new Set(ferries), line).toEqual(new Set([n]));
      ran.add(Number(worker));
    });
    // Each worker holds at most 4 of the 16 items at once and the shared quota admits 4 a second, so
    // neither can finish them all before the other has taken some.
    expect(ran).toEqual(new Set(workers.map((worker) => worker.pid)));
    expect(producer.stderr.trim().split("\n").at(-1)).toBe(`${ITEMS}/${ITEMS} done, 0 running`);

    // SIGTERM: each worker finishes, closes its throttle and store, and exits by itself.
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const worker of workers) expect(worker.child.exitCode).toBe(0);
  });
});

function runNode(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
