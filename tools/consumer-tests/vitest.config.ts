import { defineProject } from "vitest/config";

export default defineProject({
  // Packing and compiling real projects is slow on a loaded machine; nothing here measures speed.
  test: { include: ["src/**/*.test.ts"], testTimeout: 180_000, hookTimeout: 300_000 },
});
