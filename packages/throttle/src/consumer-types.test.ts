// The published declarations must compile for a strict consumer without DOM or Node types, and keep
// `context.signal` a real AbortSignal for a consumer that has them (so it can go straight to fetch).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const dist = resolve(import.meta.dirname, "../dist");
const folder = mkdtempSync(join(tmpdir(), "throttle-consumer-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function compile(source: string, lib: string[], entry: "index.js" | "index.cjs"): string[] {
  const file = join(folder, `consumer-${lib.length}-${entry.replace(".", "-")}.ts`);
  writeFileSync(file, source.replace("THROTTLE", join(dist, entry)));
  const program = ts.createProgram([file], {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    lib,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
}

const everyday = `
import { ManualClock, Throttle, ThrottleArgumentError, type ThrottleTaskContext } from "THROTTLE";
const throttle = new Throttle({ concurrency: 2, inputTokensPerMinute: 60_000, clock: new ManualClock() });
const result: Promise<number> = throttle.run(
  async ({ signal, reportUsage }: ThrottleTaskContext) => {
    reportUsage({ requests: 1, inputTokens: 10, outputTokens: 0 });
    return signal.aborted ? 0 : 1;
  },
  { cost: { inputTokens: 10 } },
);
throttle.observe({ status: 529, transportFailure: "stream_cut" });
export const code: string = new ThrottleArgumentError("x").code;
export { result };
`;

describe("declarations", () => {
  it("are built (run the package's build first)", () => {
    expect(existsSync(join(dist, "index.d.ts")), `${dist}/index.d.ts is missing: run pnpm build`).toBe(true);
  });

  for (const entry of ["index.js", "index.cjs"] as const) {
    it(`compile with strict, no skipLibCheck, lib es2022 and no @types/node (${entry})`, () => {
      expect(compile(everyday, ["lib.es2022.d.ts"], entry)).toEqual([]);
    }, 60_000);
  }

  it("give a consumer with DOM types the platform AbortSignal", () => {
    const withDom = `${everyday}
throttle.run(async ({ signal }) => {
  const real: AbortSignal = signal;
  return fetch("http://127.0.0.1:1/", { signal: real });
});
throttle.run(async () => 1, { signal: new AbortController().signal });
`;
    expect(compile(withDom, ["lib.es2022.d.ts", "lib.dom.d.ts"], "index.js")).toEqual([]);
  }, 60_000);
});
