import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_CLI_PORT, parseCommandLine, runCommandLine } from "./command.js";
import { InvalidOptionError } from "./errors.js";
import { anthropicClient, messageParams } from "./test-support.js";

describe("parseCommandLine", () => {
  it("maps every flag onto the emulator options", () => {
    const parsed = parseCommandLine([
      "--port",
      "8787",
      "--rpm",
      "50",
      "--itpm",
      "30000",
      "--otpm",
      "8000",
      "--tpm",
      "90000",
      "--concurrency",
      "8",
      "--time-scale",
      "10",
      "--no-headers",
      "--seed",
      "3",
      "--latency-first-token",
      "300",
      "--latency-per-token",
      "10",
      "--latency-jitter",
      "0.2",
      "--overloaded-rate",
      "0.05",
      "--api-key",
      "a",
      "--api-key",
      "b",
      "--batch-processing-ms",
      "5000",
    ]);
    expect(parsed).toEqual({
      help: false,
      options: {
        port: 8787,
        seed: 3,
        limits: {
          requestsPerMinute: 50,
          inputTokensPerMinute: 30_000,
          outputTokensPerMinute: 8000,
          tokensPerMinute: 90_000,
          maxConcurrency: 8,
        },
        timeScale: 10,
        rateLimitHeaders: false,
        latency: { firstTokenMs: 300, perOutputTokenMs: 10, jitter: 0.2 },
        faults: { overloadedRate: 0.05 },
        apiKeys: ["a", "b"],
        batchProcessingMs: 5000,
      },
    });
  });

  it("defaults to port 8787 and recognises --help", () => {
    expect(parseCommandLine([])).toEqual({ help: false, options: { port: DEFAULT_CLI_PORT } });
    expect(parseCommandLine(["-h"])).toEqual({ help: true });
  });

  it("rejects unknown flags and non-numbers with InvalidOptionError", () => {
    expect(() => parseCommandLine(["--rpn", "5"])).toThrow(InvalidOptionError);
    expect(() => parseCommandLine(["--rpm", "many"])).toThrow(/--rpm needs a number/);
  });
});

describe("runCommandLine", () => {
  it("starts an emulator, prints how to point the SDKs at it, and stops with the final counters", async () => {
    let out = "";
    const result = await runCommandLine(["--port", "0", "--rpm", "5"], {
      out: (text) => {
        out += text;
      },
      err: () => {},
    });
    if ("exitCode" in result) throw new Error("expected a running emulator");
    expect(out).toContain(`listening on ${result.emulator.url}`);
    expect(out).toContain(`ANTHROPIC_BASE_URL=${result.emulator.url}`);
    expect(out).toContain(`OPENAI_BASE_URL=${result.emulator.url}/v1`);
    await anthropicClient(result.emulator).messages.create(messageParams());
    await result.stop();
    expect(out).toContain("requests=1");
  });

  it("prints usage for --help and an error (exit code 2) for bad arguments", async () => {
    let out = "";
    let err = "";
    const io = {
      out: (text: string) => {
        out += text;
      },
      err: (text: string) => {
        err += text;
      },
    };
    expect(await runCommandLine(["--help"], io)).toEqual({ exitCode: 0 });
    expect(out).toContain("--time-scale");
    expect(await runCommandLine(["--rpm=-3", "--port", "0"], io)).toEqual({ exitCode: 2 });
    expect(err).toContain("requestsPerMinute");
  });
});

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

describe("the built sluice-emulator binary", () => {
  // The package's test script runs after its build (turbo `test` depends on `build`).
  it.skipIf(!existsSync(cli))("prints its URL, serves requests and exits 0 on SIGINT", async () => {
    const child = spawn(process.execPath, [cli, "--port", "0", "--time-scale", "10"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!/listening on (http:\/\/\S+)/.test(out)) {
        if (Date.now() > deadline) throw new Error(`The CLI printed no URL: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] as string;
      const response = await fetch(`${url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(messageParams()),
      });
      expect(response.status).toBe(200);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(out).toContain("Stopped.");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
