import { defineProject } from "vitest/config";

export default defineProject({
  // Real HTTP to the emulator, with real backoff between retries, on a loaded 2-core machine (turbo
  // runs every package at once): bounds are generous, never tight. Nothing here measures speed.
  test: { include: ["src/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});
