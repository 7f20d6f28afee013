// The guides' code blocks, pulled out so they can be compiled and run: a sample that no longer matches
// the API fails `pnpm test` instead of rotting on the site.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export interface Sample {
  /** The page, relative to the docs folder (`guide/nodes.md`). */
  page: string;
  /** 1-based line of the sample's first code line in the page. */
  line: number;
  /** File name the sample is compiled as (`guide-nodes-3.ts`). */
  file: string;
  code: string;
  /** Marked ```ts run: it runs offline against the emulator or the offline model, so it is run too. */
  runnable: boolean;
}

const fence = /^```(\S*)([^\n]*)\n([\s\S]*?)^```\s*$/gm;

/** Languages that must not appear: every sample in a programming language is TypeScript, and checked. */
export const uncheckedLanguages = ["js", "javascript", "mjs", "cjs", "tsx", "jsx"];

export function pagesIn(docsDir: string): string[] {
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (["node_modules", "dist", "api", "src", ".samples", ".vitepress"].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) pages.push(relative(docsDir, path));
    }
  };
  walk(docsDir);
  return pages.sort();
}

export interface Fence {
  page: string;
  line: number;
  language: string;
  meta: string;
  code: string;
}

export function fencesIn(docsDir: string, page: string): Fence[] {
  const text = readFileSync(join(docsDir, page), "utf8");
  const found: Fence[] = [];
  for (const match of text.matchAll(fence)) {
    const line = text.slice(0, match.index).split("\n").length + 1;
    found.push({ page, line, language: match[1]!, meta: match[2]!.trim(), code: match[3]! });
  }
  return found;
}

export function samplesIn(docsDir: string): Sample[] {
  return pagesIn(docsDir).flatMap((page) =>
    fencesIn(docsDir, page)
      .filter((f) => f.language === "ts" || f.language === "typescript")
      .map((f, index) => ({
        page,
        line: f.line,
        file: `${page.replace(/\.md$/, "").replace(/\W+/g, "-")}-${index + 1}.ts`,
        code: f.code,
        runnable: /(^|\s)run(\s|$)/.test(f.meta),
      })),
  );
}
