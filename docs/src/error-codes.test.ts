// guide/errors.md promises, per package, which error classes exist and which `code` each carries.
// This holds the page to the packages as built: every class in a table is exported by its package
// (the renamed ones' old names too, for one release), and every code occurs in its build.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const docsDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const page = readFileSync(join(docsDir, "guide/errors.md"), "utf8");
const require = createRequire(join(docsDir, "package.json"));

interface Row {
  className: string;
  code: string;
}

/** The tables of the page, by the package its heading names. */
function tables(): Map<string, Row[]> {
  const byPackage = new Map<string, Row[]>();
  let current: string | undefined;
  for (const line of page.split("\n")) {
    const heading = /^## (@sluice\/[\w-]+)/.exec(line);
    if (heading) current = heading[1];
    else if (line.startsWith("## ")) current = undefined;
    const row = /^\| `(\w+)` \| `(\w+)` \|/.exec(line);
    if (current && row)
      byPackage.set(current, [...(byPackage.get(current) ?? []), { className: row[1]!, code: row[2]! }]);
  }
  return byPackage;
}

const documented = tables();

describe("the error codes page", () => {
  it("has a table for each package that throws", () => {
    expect([...documented.keys()]).toEqual([
      "@sluice/core",
      "@sluice/throttle",
      "@sluice/throttle-redis",
      "@sluice/bullmq",
      "@sluice/llm",
      "@sluice/llm-emulator",
    ]);
  });

  for (const [name, rows] of documented) {
    describe(name, () => {
      const build = readFileSync(require.resolve(name), "utf8");
      for (const { className, code } of rows) {
        it(`exports ${className} with code ${code}`, async () => {
          const module = (await import(name)) as Record<string, unknown>;
          expect(typeof module[className], `${name} exports no ${className}`).toBe("function");
          expect(
            build.includes(`"${code}"`) || build.includes(`'${code}'`),
            `${name}'s build has no code "${code}"`,
          ).toBe(true);
        });
      }
    });
  }

  it("keeps the old names of renamed classes for one release, as it says", async () => {
    const renamed: [string, string, string][] = [
      ["@sluice/core", "TimeoutError", "ExecTimeoutError"],
      ["@sluice/throttle", "InvalidArgumentError", "ThrottleArgumentError"],
      ["@sluice/throttle", "QuotaExhaustedError", "ThrottleQuotaError"],
      ["@sluice/llm", "TimeoutError", "RequestTimeoutError"],
    ];
    for (const [name, oldName, newName] of renamed) {
      expect(page).toContain(`\`${newName}\``);
      const module = (await import(name)) as Record<string, unknown>;
      expect(typeof module[oldName], `${name} no longer exports ${oldName}`).toBe("function");
    }
  });
});
