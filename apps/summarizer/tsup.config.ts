import { defineConfig } from "tsup";

// An application, not a library: one ESM entry with a shebang, dependencies left external.
export default defineConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  banner: { js: "#!/usr/bin/env node" },
});
