// Turns the packed tarballs into a folder a consumer project can resolve from: each tarball unpacked
// under node_modules exactly as npm would lay it out, and the third-party dependencies it declares
// linked from the workspace (they are not ours to test, and the registry is not needed for them).
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Manifest, publishedPackages, readManifest, run, type WorkspacePackage } from "./workspace.js";

export interface PackedPackage {
  name: string;
  tarball: string;
  /** The manifest as published (workspace: ranges rewritten by pnpm pack). */
  manifest: Manifest;
  /** Every file in the tarball, relative to the package root. */
  files: string[];
  source: WorkspacePackage;
}

/** Packs every published package once, into one temporary folder. */
export async function packAll(into: string): Promise<PackedPackage[]> {
  const packed: PackedPackage[] = [];
  for (const source of publishedPackages()) {
    const output = await run("pnpm", ["pack", "--pack-destination", into, "--json"], { cwd: source.dir });
    const { filename } = JSON.parse(output.slice(output.indexOf("{"))) as { filename: string };
    const listing = await run("tar", ["-tzf", filename], { cwd: into });
    const files = listing
      .split("\n")
      .filter(Boolean)
      .map((file) => file.replace(/^package\//, ""));
    const unpacked = mkdtempSync(join(tmpdir(), "sluice-manifest-"));
    await run("tar", ["-xzf", filename, "-C", unpacked, "--strip-components=1", "package/package.json"], {
      cwd: into,
    });
    packed.push({
      name: source.manifest.name,
      tarball: filename,
      manifest: readManifest(unpacked),
      files,
      source,
    });
  }
  return packed;
}

/**
 * A consumer root: `node_modules` holding the given tarballs unpacked, plus links to their third-party
 * dependencies and to whatever `extra` names (e.g. `@types/node`), resolved from `resolveFrom`.
 */
export async function consumerRoot(
  root: string,
  packages: PackedPackage[],
  options: { extra?: string[]; resolveFrom: string },
): Promise<string> {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "consumer-root", private: true }));
  const ours = new Set(packages.map((p) => p.name));
  for (const pkg of packages) {
    const target = join(root, "node_modules", pkg.name);
    mkdirSync(target, { recursive: true });
    await run("tar", ["-xzf", pkg.tarball, "-C", target, "--strip-components=1"], { cwd: root });
  }
  // Command-line entries linked into node_modules/.bin, as npm does, so `npx <bin>` finds them.
  for (const pkg of packages) {
    for (const [name, target] of Object.entries((pkg.manifest.bin as Record<string, string>) ?? {})) {
      const link = join(root, "node_modules", ".bin", name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join("..", pkg.name, target), link);
      chmodSync(join(root, "node_modules", pkg.name, target), 0o755);
    }
  }
  const links = new Map<string, string>();
  // Peers a consumer installs beside the package (the AI SDK's provider spec, OTel's API) are copied,
  // as npm lays them out, so their own type imports resolve from the consumer's node_modules.
  const copies = new Map<string, string>();
  for (const pkg of packages) {
    for (const name of Object.keys(pkg.manifest.dependencies ?? {})) {
      if (!ours.has(name)) links.set(name, installedDir(name, pkg.source.dir));
    }
    for (const name of Object.keys(pkg.manifest.peerDependencies ?? {})) {
      if (!ours.has(name)) copies.set(name, installedDir(name, pkg.source.dir));
    }
  }
  for (const [name, dir] of copies) {
    const target = join(root, "node_modules", name);
    if (!existsSync(target)) cpSync(dir, target, { recursive: true, dereference: true });
  }
  for (const name of options.extra ?? []) links.set(name, installedDir(name, options.resolveFrom));
  for (const [name, dir] of links) {
    const link = join(root, "node_modules", name);
    if (existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(dir, link, "dir");
  }
  return root;
}

/** The installed folder of a dependency as the given package sees it. */
function installedDir(name: string, from: string): string {
  const direct = join(from, "node_modules", name);
  if (existsSync(direct)) return realpathSync(direct);
  const require = createRequire(join(from, "package.json"));
  return dirname(require.resolve(`${name}/package.json`));
}

/** The import specifiers a package's exports map offers (`@sluice/llm`, `@sluice/llm/testing`). */
export function entrySpecifiers(pkg: PackedPackage): string[] {
  const exportsField = pkg.manifest.exports as Record<string, unknown> | undefined;
  if (!exportsField) return [];
  return Object.keys(exportsField)
    .filter((subpath) => subpath !== "./package.json")
    .map((subpath) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
