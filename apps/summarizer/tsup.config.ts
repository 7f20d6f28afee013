import { defineConfig } from "tsup";

// An application, not a library: one ESM entry with a shebang, dependencies left external but one.
// The Anthropic adapter and its SDK are bundled (into the chunk the CLI imports when a run calls
// Anthropic): loaded as the SDK's few hundred ES modules they took 130 ms of the time before the
// first call, as one file 35 ms. @sluice/llm stays external, so the adapter's errors are the same
// classes the CLI checks.
export default defineConfig({
  entry: ["src/cli.ts"],
  noExternal: ["@sluice/llm-anthropic", "@anthropic-ai/sdk"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  // No source maps in the tarball, as for every package (see tools/config/tsup.js): the bundle is unminified.
  sourcemap: false,
  clean: true,
  banner: { js: "#!/usr/bin/env node" },
});
