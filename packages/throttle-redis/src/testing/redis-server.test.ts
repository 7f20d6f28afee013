// The test helper other packages start their Redis with: outages with and without the data, and close.
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { redisServerForTests, startRedisServer } from "./index.js";

const binary = redisServerForTests();

describe.skipIf(binary === undefined)("startRedisServer", () => {
  it("stop({ keepData }) then start() comes back with the data; stop() then start() comes back empty", async () => {
    const server = await startRedisServer({ binary });
    const savedFiles = () => readdirSync(tmpdir()).filter((name) => name.includes(`-${server.port}-`));
    try {
      const write = async (value: string) => {
        const client = new Redis(server.url, { lazyConnect: true });
        await client.connect();
        await client.set("k", value);
        client.disconnect();
      };
      const read = async () => {
        const client = new Redis(server.url, { lazyConnect: true });
        await client.connect();
        const value = await client.get("k");
        client.disconnect();
        return value;
      };
      await write("kept");
      await server.stop({ keepData: true });
      expect(savedFiles()).toHaveLength(1);
      await server.start();
      expect(await read()).toBe("kept");

      await server.stop();
      expect(savedFiles(), "an outage without the data leaves nothing behind").toEqual([]);
      await server.start();
      expect(await read()).toBeNull();
    } finally {
      await server.close();
    }
    expect(savedFiles()).toEqual([]);
    await expect(server.start()).rejects.toThrow(/was closed/);
    await server.close();
  });

  it("refuses a binary that is not there, saying how to get one", async () => {
    expect(existsSync("/nonexistent/redis-server")).toBe(false);
    await expect(startRedisServer({ binary: "/nonexistent/redis-server" })).rejects.toThrow(
      /Could not run \/nonexistent\/redis-server .*apt-get install -y redis-server/,
    );
  });
});
