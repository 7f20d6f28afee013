import { defineProject } from "vitest/config";

export default defineProject({
  // Most tests run on virtual time; the few on real timers and real HTTP share a loaded 2-core machine
  // with every other package's suite, so their bounds are generous. Nothing here measures speed.
  test: { include: ["src/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 30_000 },
});
