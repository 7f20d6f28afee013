// The one build every library package shares: dual ESM + CJS with separate type declarations
// (index.d.ts for import, index.d.cts for require), the shape publint and attw check.
//
// What a consumer downloads is decided here (docs/guide/releases.md says it to users):
// - No source maps. The output is unminified and bundled per entry, so a stack trace already points at
//   readable code; maps with their sources were 59-69% of every tarball, and maps without sources would
//   point at src/ files that are not shipped.
// - Command-line entries (`bin`) are built once, as ESM, without declarations: nothing imports or
//   requires a CLI, and `"type": "module"` makes `node dist/cli.js` run it.
import { rmSync } from "node:fs";
import { defineConfig } from "tsup";

const outDir = "dist";

/** @param {{ entry?: string[] | Record<string, string>, bin?: string[] }} [options] */
export function libraryConfig(options = {}) {
  /** @type {import("tsup").Options} */
  const library = {
    entry: options.entry ?? ["src/index.ts"],
    outDir,
    format: ["esm", "cjs"],
    target: "node20",
    platform: "node",
    // TypeScript 6 deprecates options tsup still passes to the declaration build.
    dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
    sourcemap: false,
    clean: true,
    splitting: false,
    treeshake: true,
  };
  if (!options.bin) return defineConfig(library);

  // tsup runs the two builds side by side, so neither may clean the folder the other writes into:
  // clear it once, now, before either starts.
  rmSync(outDir, { recursive: true, force: true });
  return defineConfig([
    { ...library, clean: false },
    { ...library, entry: options.bin, format: ["esm"], dts: false, clean: false },
  ]);
}
