// Core's published declarations must compile for the strictest plain consumer: `strict`, no
// `skipLibCheck`, `lib: ["es2022"]`, and no DOM or Node types (pocketflow's do). The test compiles
// small consumers against the built dist/ with the workspace's own tsc, in a temporary folder.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

const CONSUMER = `
import {
  type AbortSignalLike,
  ExecTimeoutError,
  Flow,
  type Limiter,
  type LimiterTaskContext,
  Node,
  ParallelBatchNode,
  type SignalOf,
} from "@sluice/core";

interface Shared {
  texts: string[];
  summaries?: string[];
}

class Summarize extends ParallelBatchNode<Shared> {
  override async prep(shared: Shared): Promise<string[]> {
    return shared.texts;
  }
  override async exec(text: string): Promise<string> {
    const signal: AbortSignalLike = this.signal;
    signal.throwIfAborted();
    return text.slice(0, 10);
  }
  override async post(shared: Shared, _texts: string[], summaries: string[]): Promise<string | undefined> {
    shared.summaries = summaries;
    return undefined;
  }
}

const limiter: Limiter = {
  run: <T,>(task: (context: LimiterTaskContext) => Promise<T>) => task({ signal: new Flow(new Node()).signal }),
};

const signal: SignalOf = new Node().signal;
const flow = new Flow(new Summarize({ concurrency: 4, limiter, timeout: 1_000 }));
export const done: Promise<string | undefined> = flow.run({ texts: ["a"] }, { signal });
export const code: string = new ExecTimeoutError("n", 1).code;
`;

const STRICT = { strict: true, skipLibCheck: false, lib: ["es2022"], types: [], noEmit: true };

let dir: string;
beforeAll(async () => {
  if (!existsSync(path.join(packageDir, "dist", "index.d.ts"))) {
    throw new Error("packages/core/dist is missing: run `pnpm --filter @sluice/core build` first.");
  }
  dir = await mkdtemp(path.join(os.tmpdir(), "sluice-core-consumer-"));
  await mkdir(path.join(dir, "node_modules", "@sluice"), { recursive: true });
  await symlink(packageDir, path.join(dir, "node_modules", "@sluice", "core"), "dir");
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function compile(name: string, compilerOptions: object, files: Record<string, string>) {
  const project = path.join(dir, name);
  await mkdir(project, { recursive: true });
  await symlink(path.join(dir, "node_modules"), path.join(project, "node_modules"), "dir");
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(project, file), text);
  await writeFile(
    path.join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions,
      include: Object.keys(files).filter((file) => /\.[cm]?ts$/.test(file)),
    }),
  );
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [tsc, "-p", project], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("core's declarations in a consumer without DOM or Node types", () => {
  it("compile as ESM under node16 resolution", async () => {
    const result = await compile(
      "esm",
      { ...STRICT, module: "node16", moduleResolution: "node16" },
      { "package.json": '{ "type": "module" }', "index.ts": CONSUMER },
    );
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  it("compile as CommonJS (index.d.cts) under node16 resolution", async () => {
    const result = await compile(
      "cjs",
      { ...STRICT, module: "node16", moduleResolution: "node16" },
      { "package.json": '{ "type": "commonjs" }', "index.cts": CONSUMER },
    );
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  it("compile under bundler resolution", async () => {
    const result = await compile(
      "bundler",
      { ...STRICT, module: "esnext", moduleResolution: "bundler" },
      { "index.ts": CONSUMER },
    );
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  it("fail where they should: a wrong type still reports an error (the check is live)", async () => {
    const result = await compile(
      "negative",
      { ...STRICT, module: "esnext", moduleResolution: "bundler" },
      { "index.ts": `import { Node } from "@sluice/core";\nexport const n: number = new Node().signal;\n` },
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/TS2322/);
  }, 120_000);
});
