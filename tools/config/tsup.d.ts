import type { Options } from "tsup";

export function libraryConfig(options?: { entry?: string[] | Record<string, string> }): Options;
