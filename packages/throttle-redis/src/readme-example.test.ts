// The README's first example, run as a reader would run it: the file the README shows (verbatim),
// its two worker processes, and a real redis-server (a private one, named by REDIS_URL).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, redisServerForTests, startRedisServer } from "./testing/index.js";

const example = fileURLToPath(new URL("../examples/shared-quota.mjs", import.meta.url));
const source = readFileSync(example, "utf8");
const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const codeBlocks = [...readme.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].map((match) => match[1]);

// The example's quota: 240 requests a minute with a burst of 4, 8 calls in each of 2 workers.
const RATE_PER_S = 4;
const BURST = 4;
const CALLS = 8;

describe("the README's shared-quota example", () => {
  it("is examples/shared-quota.mjs, verbatim", () => {
    expect(codeBlocks).toContain(source);
    // The bounds below are the example's numbers: a change there must change them here.
    expect(source).toContain("perMinute: 240, burst: 4");
    expect(source).toContain(`length: ${CALLS}`);
  });
});

const binary = redisServerForTests();

describe.skipIf(binary === undefined)("the README's shared-quota example, run", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer({ binary });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("two workers make every call and together never outrun one quota", async () => {
    const { code, stdout } = await runNode(example, { REDIS_URL: server.url });
    expect(code, stdout).toBe(0);
    const calls = [...stdout.matchAll(/^worker (\d) call (\d+) at (\d+\.\d+) s$/gm)].map((match) => ({
      worker: Number(match[1]),
      call: Number(match[2]),
      at: Number(match[3]),
    }));
    const callsOf = (worker: number) =>
      calls
        .filter((c) => c.worker === worker)
        .map((c) => c.call)
        .sort((a, b) => a - b);
    const everyCall = Array.from({ length: CALLS }, (_, call) => call);
    expect(callsOf(1)).toEqual(everyCall);
    expect(callsOf(2)).toEqual(everyCall);
    expect(stdout).toMatch(/^both workers done in \d+\.\d s$/m);

    // One bucket admits at most burst + rate × t in the first t seconds, however many processes
    // share it. The times are taken after admission (from before the workers started), so a slow,
    // loaded machine only makes them later: this bound cannot flake, and two in-memory throttles
    // (twice the rate) would break it. 0.1 s allows for the printed rounding.
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    times.forEach((at, index) => {
      const admitted = index + 1;
      expect(at, `call ${admitted} of ${times.length}`).toBeGreaterThanOrEqual(
        (admitted - BURST) / RATE_PER_S - 0.1,
      );
    });
    // And it does not crawl: about 3 s here; 30 s allows for a loaded machine.
    expect(times.at(-1)).toBeLessThan(30);
  });
});

function runNode(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}
