import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * Children run plain JavaScript: under a TypeScript loader, importing the Anthropic SDK alone costs
 * about a second per process, which would dominate a run of a few seconds and the smoke test. So the
 * sources are transpiled once per parent process (no type check: `pnpm typecheck` does that) into
 * bench/dist/, where the children resolve their packages from bench/node_modules as usual.
 */
const SOURCE_DIR = fileURLToPath(new URL("../", import.meta.url));
const OUTPUT_DIR = fileURLToPath(new URL("../../dist/", import.meta.url));

let compiling: Promise<void> | undefined;

/** The compiled path of a module under src/, e.g. `suites/core/sluice` → bench/dist/suites/core/sluice.js. */
export function compiledPath(module: string): string {
  return path.join(OUTPUT_DIR, `${module}.js`);
}

/** Transpiles src/ (tests excluded) into dist/ once; later calls reuse the same promise. */
export function ensureCompiled(): Promise<void> {
  compiling ??= compileAll();
  return compiling;
}

async function compileAll(): Promise<void> {
  for (const file of await sourceFiles(SOURCE_DIR)) {
    const relative = path.relative(SOURCE_DIR, file);
    const target = path.join(OUTPUT_DIR, relative.replace(/\.ts$/, ".js"));
    const source = await readFile(file, "utf8");
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        isolatedModules: true,
        sourceMap: false,
      },
    });
    const current = await readFile(target, "utf8").catch(() => undefined);
    if (current === outputText) continue;
    await mkdir(path.dirname(target), { recursive: true });
    // Several test workers may compile at once: write aside, then rename into place atomically.
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, outputText);
    await rename(temporary, target);
  }
}

async function sourceFiles(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(full)));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts"))
      files.push(full);
  }
  return files;
}
