import type { Options } from "tsup";

export function libraryConfig(options?: {
  /** Library entries, built as ESM + CJS with declarations. Default `["src/index.ts"]`. */
  entry?: string[] | Record<string, string>;
  /** Command-line entries, built as ESM only and without declarations. */
  bin?: string[];
}): Options | Options[];
