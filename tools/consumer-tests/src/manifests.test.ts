// What npm shows about each published package: where its docs, issues and sources are. Read from the
// manifests, so the app's manifest is held to the same rules the day it turns public.
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { publishedPackages, repoRoot } from "./workspace.js";

const repository = "git+https://github.com/sluice-dev/sluice.git";

describe("every published manifest", () => {
  const packages = publishedPackages();

  it("exists", () => {
    expect(packages.map((p) => p.manifest.name)).toEqual(
      expect.arrayContaining(["@sluice/core", "@sluice/llm"]),
    );
  });

  for (const { dir, manifest } of packages) {
    it(`${manifest.name} names its homepage, issues and folder in the repository`, () => {
      const folder = relative(repoRoot, dir);
      expect(manifest).toMatchObject({
        homepage: expect.stringMatching(/^https:\/\//),
        bugs: { url: "https://github.com/sluice-dev/sluice/issues" },
        repository: { type: "git", url: repository, directory: folder },
        license: "MIT",
        files: expect.arrayContaining(["dist"]),
      });
      expect(manifest.homepage).toContain(folder);
    });
  }
});
