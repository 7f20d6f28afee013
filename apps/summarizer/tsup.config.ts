import { defineConfig } from "tsup";

// An application, not a library: one ESM entry with a shebang, dependencies left external.
export default defineConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  // No source maps in the tarball, as for every package (see tools/config/tsup.js): the bundle is unminified.
  sourcemap: false,
  clean: true,
  banner: { js: "#!/usr/bin/env node" },
});
