// Every TypeScript sample in the guides compiles against the packages as built, in one strict program,
// and every sample marked `run` runs to completion offline (the offline model or the emulator on
// 127.0.0.1; API keys are removed from its environment so nothing can reach a provider).
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { fencesIn, pagesIn, type Sample, samplesIn, uncheckedLanguages } from "./samples.js";

const execFileAsync = promisify(execFile);
const docsDir = join(dirname(fileURLToPath(import.meta.url)), "..");
// Inside docs/ so the samples resolve @sluice/* through this package's node_modules, like an app would.
const workDir = join(docsDir, ".samples");
const samples = samplesIn(docsDir);
const diagnostics = new Map<string, string[]>();

beforeAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  writeFileSync(
    join(workDir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        lib: ["es2023"],
        module: "nodenext",
        moduleResolution: "nodenext",
        moduleDetection: "force",
        types: ["node"],
        strict: true,
        noUncheckedIndexedAccess: true,
        // Our own declarations are checked by tools/consumer-tests; here the samples are.
        skipLibCheck: true,
        outDir: "out",
        rootDir: ".",
      },
      files: samples.map((s) => s.file),
    }),
  );
  for (const sample of samples) writeFileSync(join(workDir, sample.file), sample.code);
  try {
    await execFileAsync(join(docsDir, "node_modules/.bin/tsc"), ["-p", ".", "--pretty", "false"], {
      cwd: workDir,
      timeout: 180_000,
    });
  } catch (error) {
    const output = String((error as { stdout?: string }).stdout ?? error);
    let last: string[] | undefined;
    for (const line of output.split("\n")) {
      if (!line.trim()) continue;
      // A diagnostic's explanation continues on indented lines.
      if (/^\s/.test(line) && last) {
        last[last.length - 1] += `\n${line}`;
        continue;
      }
      const match = /^([\w.-]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
      const sample = match && samples.find((s) => s.file === match[1]);
      const page = sample ? sample.page : "(tsc)";
      // Point at the line of the guide, which is what someone fixing it opens.
      const text =
        sample && match
          ? `${sample.page}:${sample.line + Number(match[2]) - 1}:${match[3]} ${match[4]}`
          : line;
      last = diagnostics.get(page) ?? [];
      last.push(text);
      diagnostics.set(page, last);
    }
    if (diagnostics.size === 0) throw error;
  }
}, 240_000);

describe("the guides' code samples", () => {
  it("are many, and some run", () => {
    expect(samples.length).toBeGreaterThan(25);
    expect(samples.filter((s) => s.runnable).length).toBeGreaterThan(8);
  });

  it("are written in TypeScript, so they are all checked", () => {
    const unchecked = pagesIn(docsDir).flatMap((page) =>
      fencesIn(docsDir, page)
        .filter((f) => uncheckedLanguages.includes(f.language))
        .map((f) => `${f.page}:${f.line} is \`\`\`${f.language}; write it as \`\`\`ts`),
    );
    expect(unchecked).toEqual([]);
  });

  it("compile as a whole", () => {
    expect(diagnostics.get("(tsc)") ?? []).toEqual([]);
  });

  for (const page of [...new Set(samples.map((s) => s.page))]) {
    it(`in ${page} type-check`, () => {
      expect(diagnostics.get(page) ?? []).toEqual([]);
    });
  }

  for (const sample of samples.filter((s) => s.runnable)) {
    it(`${sample.page}:${sample.line} runs`, async () => {
      expect(diagnostics.get(sample.page) ?? [], "fix the type errors first").toEqual([]);
      await runSample(sample);
    });
  }
});

async function runSample(sample: Sample): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const name of Object.keys(env)) {
    if (/API_KEY$|^SLUICE_(PROVIDER|MODEL)$|_BASE_URL$/.test(name)) delete env[name];
  }
  const script = join(workDir, "out", sample.file.replace(/\.ts$/, ".js"));
  const where = `${sample.page}:${sample.line}`;
  let output: { stdout: string; stderr: string };
  try {
    output = await execFileAsync(process.execPath, [script], { cwd: workDir, env, timeout: 60_000 });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `The sample at ${where} failed:\n${failed.stderr || failed.message}\n${failed.stdout ?? ""}`,
    );
  }
  // A sample shows its result, and a good one triggers no warning (Sluice warns on misuse).
  expect(output.stdout.trim(), `the sample at ${where} prints nothing`).not.toBe("");
  expect(output.stderr, `the sample at ${where} wrote to stderr`).toBe("");
}
