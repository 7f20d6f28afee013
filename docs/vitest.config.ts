import { defineProject } from "vitest/config";

export default defineProject({
  // Compiling every sample, building the site and driving a browser are slow on a loaded machine;
  // nothing here measures speed.
  test: { include: ["src/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 240_000 },
});
