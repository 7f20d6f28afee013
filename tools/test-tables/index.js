// The tables as plain data, read once. JSON imports need import attributes on Node 20; reading the
// files keeps this loadable from any test runner without them.
import { readFileSync } from "node:fs";

const load = (name) => JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), "utf8"));

export const goDurations = load("go-durations.json");
export const retryAfter = load("retry-after.json");
export const quotaCodes = load("quota-codes.json");
export const backoff = load("backoff.json");
