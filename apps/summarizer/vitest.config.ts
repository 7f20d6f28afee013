import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["./src/build-cli.global.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
