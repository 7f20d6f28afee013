import { defineProject } from "vitest/config";

export default defineProject({
  // A real redis-server per test file and child processes on a loaded 2-core machine: bounds are generous.
  test: { include: ["src/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});
