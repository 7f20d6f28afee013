import { defineProject } from "vitest/config";

export default defineProject({
  // Real HTTP to the emulator on a loaded 2-core machine: bounds are generous, never tight.
  test: { include: ["src/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});
