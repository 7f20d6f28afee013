import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: builds dist/cli.js once before any test file runs, so end-to-end tests in
 * several files (run in parallel) never race a rebuild. The app's dependencies are built by turbo's
 * test → build dependency, or by hand.
 */
export default function buildCli(): void {
  const app = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(path.join(app, "node_modules", ".bin", "tsup"), { cwd: app, stdio: "ignore" });
}
