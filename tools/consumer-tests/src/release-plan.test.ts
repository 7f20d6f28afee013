// The first `changeset version` must give a consistent 0.x release: no package jumps to 1.0.0 because a
// peer range on a 0.x package was left behind (the `workspace:^` trap), every released package gets a
// CHANGELOG entry, and every internal range still accepts the version it will be published next to.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, publishedPackages, readManifest, repoRoot, run } from "./workspace.js";

interface PlannedRelease {
  name: string;
  type: "none" | "patch" | "minor" | "major";
  oldVersion: string;
  newVersion: string;
  changesets: string[];
}

interface ReleasePlan {
  changesets: { id: string; summary: string; releases: { name: string; type: string }[] }[];
  releases: PlannedRelease[];
}

let scratch: string;
let plan: ReleasePlan;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "sluice-release-plan-"));
  const output = join(scratch, "plan.json");
  await run(bin("changeset"), ["status", "--output", output], { cwd: repoRoot });
  plan = JSON.parse(readFileSync(output, "utf8")) as ReleasePlan;
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the release plan (changeset status)", () => {
  it("bumps no package to a new major", () => {
    const majors = plan.releases
      .filter(
        (release) =>
          release.type === "major" || semver.major(release.newVersion) > semver.major(release.oldVersion),
      )
      .map(
        (release) =>
          `${release.name} ${release.oldVersion} → ${release.newVersion} (from ${release.changesets.join(", ") || "a dependency's bump"})`,
      );
    expect(
      majors,
      "A major bump in the release plan. If no changeset asks for one, a peer range is out of date: " +
        "widen the dependent's peerDependencies range on the 0.x package (see docs/guide/releases.md).",
    ).toEqual([]);
  });

  it("keeps every published package on 0.x", () => {
    const planned = new Map(plan.releases.map((release) => [release.name, release.newVersion]));
    const versions = publishedPackages().map(({ manifest }) => [
      manifest.name,
      planned.get(manifest.name) ?? manifest.version,
    ]);
    expect(versions.filter(([, version]) => semver.major(version!) !== 0)).toEqual([]);
  });
});

describe("changeset version", () => {
  let versioned: string;

  beforeAll(async () => {
    // A copy of just the manifests and changesets: versioning rewrites files and must not touch the repo.
    versioned = join(scratch, "repo");
    for (const file of ["package.json", "pnpm-workspace.yaml"]) copyInto(versioned, file);
    cpSync(join(repoRoot, ".changeset"), join(versioned, ".changeset"), { recursive: true });
    for (const dir of workspaceDirs()) copyInto(versioned, join(dir, "package.json"));
    await run(bin("changeset"), ["version"], { cwd: versioned });
  }, 120_000);

  it("writes the planned version and a CHANGELOG entry for every released package", () => {
    const released = plan.releases.filter((release) => release.type !== "none");
    for (const release of released) {
      const dir = dirOf(release.name);
      expect(readManifest(join(versioned, dir)).version, release.name).toBe(release.newVersion);
      const changelog = join(versioned, dir, "CHANGELOG.md");
      expect(existsSync(changelog), `${release.name} has no CHANGELOG.md after changeset version`).toBe(true);
      const text = readFileSync(changelog, "utf8");
      expect(text).toContain(`## ${release.newVersion}`);
      for (const id of release.changesets) {
        const summary = plan.changesets.find((changeset) => changeset.id === id)!.summary;
        expect(text, `${release.name}'s CHANGELOG misses changeset ${id}`).toContain(summary.split("\n")[0]!);
      }
    }
  });

  it("leaves every internal dependency and peer range satisfied by the version published beside it", () => {
    const versions = new Map(
      publishedPackages().map(({ dir, manifest }) => [
        manifest.name,
        readManifest(join(versioned, relative(repoRoot, dir))).version,
      ]),
    );
    const unsatisfied: string[] = [];
    for (const { dir, manifest } of publishedPackages()) {
      const after = readManifest(join(versioned, relative(repoRoot, dir)));
      for (const field of ["dependencies", "peerDependencies"] as const) {
        for (const [name, specifier] of Object.entries(after[field] ?? {})) {
          const version = versions.get(name);
          if (!version) continue;
          const range = packedRange(specifier, version);
          if (!semver.satisfies(version, range)) {
            unsatisfied.push(`${manifest.name} ${field}["${name}"] = "${range}" excludes ${version}`);
          }
        }
      }
    }
    expect(unsatisfied).toEqual([]);
  });
});

/** What `pnpm pack` turns a `workspace:` specifier into. */
function packedRange(specifier: string, version: string): string {
  if (!specifier.startsWith("workspace:")) return specifier;
  const range = specifier.slice("workspace:".length);
  if (range === "*") return version;
  if (range === "^" || range === "~") return `${range}${version}`;
  return range;
}

function copyInto(target: string, file: string): void {
  mkdirSync(dirname(join(target, file)), { recursive: true });
  cpSync(join(repoRoot, file), join(target, file));
}

/** Every workspace package directory, relative to the root (changesets needs all of them to build its graph). */
function workspaceDirs(): string[] {
  const dirs = ["bench", "docs"];
  for (const parent of ["packages", "apps", "tools"]) {
    for (const entry of readdirSync(join(repoRoot, parent), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(repoRoot, parent, entry.name, "package.json"))) {
        dirs.push(join(parent, entry.name));
      }
    }
  }
  return dirs.filter((dir) => existsSync(join(repoRoot, dir, "package.json")));
}

function dirOf(name: string): string {
  const found = publishedPackages().find(({ manifest }) => manifest.name === name);
  if (!found) throw new Error(`${name} is in the release plan but is not a published workspace package`);
  return relative(repoRoot, found.dir);
}
