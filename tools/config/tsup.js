// The one build every library package shares: dual ESM + CJS with separate type declarations
// (index.d.ts for import, index.d.cts for require), the shape publint and attw check.
import { defineConfig } from "tsup";

/** @param {{ entry?: string[] | Record<string, string> }} [options] */
export function libraryConfig(options = {}) {
  return defineConfig({
    entry: options.entry ?? ["src/index.ts"],
    format: ["esm", "cjs"],
    target: "node20",
    platform: "node",
    // TypeScript 6 deprecates options tsup still passes to the declaration build.
    dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
  });
}
