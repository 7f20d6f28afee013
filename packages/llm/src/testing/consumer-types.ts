import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * Compiles a tiny consumer project against a package's built declarations, in a temporary folder,
 * the way a strict user's project would: `strict`, no `skipLibCheck`, `lib: ["es2022"]` and no
 * ambient types (no DOM, no @types/node) unless `types` says otherwise. For a package's own test
 * that its .d.ts files need nothing the consumer may not have.
 */

export type ConsumerResolution = "node16-esm" | "node16-cjs" | "bundler" | "node10";

export interface ConsumerProject {
  /** Packages the consumer can import: name → the package's folder (with its built `dist`). */
  readonly packages: Readonly<Record<string, string>>;
  /** The consumer's `index.ts`. */
  readonly source: string;
  readonly resolution: ConsumerResolution;
  /** Ambient type packages, e.g. ["node"] (resolved from the packages' folders). Default none. */
  readonly types?: readonly string[];
  /** A file or URL inside a package that depends on `typescript`, e.g. `import.meta.url`. */
  readonly typescriptFrom: string;
}

export interface ConsumerCompileResult {
  readonly ok: boolean;
  /** tsc's diagnostics. */
  readonly output: string;
}

const SETTINGS: Readonly<
  Record<ConsumerResolution, { module: string; moduleResolution: string; type: string }>
> = {
  "node16-esm": { module: "node16", moduleResolution: "node16", type: "module" },
  "node16-cjs": { module: "node16", moduleResolution: "node16", type: "commonjs" },
  bundler: { module: "esnext", moduleResolution: "bundler", type: "module" },
  node10: { module: "commonjs", moduleResolution: "node10", type: "commonjs" },
};

/**
 * Runs tsc on the consumer project and reports its diagnostics; the folder is removed afterwards.
 *
 * @example
 * const result = await compileConsumer({
 *   packages: { "@acme/llm": fileURLToPath(new URL("..", import.meta.url)) },
 *   source: 'import { createAcmeModel } from "@acme/llm"; createAcmeModel();',
 *   resolution: "node16-esm",
 *   typescriptFrom: import.meta.url,
 * });
 * expect(result.output).toBe("");
 */
export async function compileConsumer(project: ConsumerProject): Promise<ConsumerCompileResult> {
  const settings = SETTINGS[project.resolution];
  const tsc = createRequire(project.typescriptFrom).resolve("typescript/bin/tsc");
  const folder = await mkdtemp(join(tmpdir(), "sluice-consumer-"));
  try {
    await writeFile(
      join(folder, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: settings.type }),
    );
    const compilerOptions = {
      strict: true,
      skipLibCheck: false,
      lib: ["es2022"],
      types: project.types ?? [],
      target: "es2022",
      module: settings.module,
      moduleResolution: settings.moduleResolution,
      noEmit: true,
      // node10 is deprecated in TypeScript 6 but still what older projects run.
      ...(project.resolution === "node10" ? { ignoreDeprecations: "6.0" } : {}),
    };
    await writeFile(join(folder, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["index.ts"] }));
    await writeFile(join(folder, "index.ts"), project.source);
    for (const [name, location] of Object.entries(project.packages)) {
      const link = join(folder, "node_modules", name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(location, link, "dir");
    }
    for (const name of project.types ?? []) {
      const found = Object.values(project.packages)
        .map((location) => {
          try {
            return dirname(
              createRequire(join(location, "package.json")).resolve(`@types/${name}/package.json`),
            );
          } catch {
            return undefined;
          }
        })
        .find((location) => location !== undefined);
      if (found === undefined)
        throw new Error(`compileConsumer: @types/${name} is not installed beside the packages.`);
      await mkdir(join(folder, "node_modules", "@types"), { recursive: true });
      await symlink(found, join(folder, "node_modules", "@types", name), "dir");
    }
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, [tsc, "-p", folder], { timeout: 300_000 }, (error, stdout, stderr) =>
        resolve(error ? `${stdout}${stderr}`.trim() || String(error) : ""),
      );
    });
    return { ok: output === "", output };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
