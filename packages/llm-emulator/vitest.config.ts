import { defineProject } from "vitest/config";

export default defineProject({
  // Real HTTP on a loaded 2-core machine: generous per-test time, never tight timing assertions.
  test: { include: ["src/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 30_000 },
});
