import { NotSerializableError, PayloadTooLargeError } from "./errors.js";

/** Default bound on one item, params object or result, as JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;

/**
 * JSON text of `value`, or an error naming the first part that would not survive the trip
 * (`JSON.stringify` alone drops undefined and functions and turns NaN and Dates into something
 * else, silently).
 */
export function toWireJson(value: unknown, what: string, maxBytes: number): string {
  const problem = findNonJson(value, "$", new Set());
  if (problem) throw new NotSerializableError(what, problem.path, problem.found);
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) throw new PayloadTooLargeError(what, bytes, maxBytes);
  return json;
}

function findNonJson(
  value: unknown,
  path: string,
  seen: Set<object>,
): { path: string; found: string } | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { path, found: String(value) };
  }
  if (typeof value !== "object") return { path, found: `a ${typeof value}` };
  if (seen.has(value)) return { path, found: "a circular reference" };
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    seen.add(value);
    for (let i = 0; i < value.length; i++) {
      const problem = findNonJson(value[i], `${path}[${i}]`, seen);
      if (problem) return problem;
    }
    seen.delete(value);
    return undefined;
  }
  if (proto !== Object.prototype && proto !== null) {
    return { path, found: `an instance of ${value.constructor?.name ?? "a class"}` };
  }
  seen.add(value);
  for (const [key, child] of Object.entries(value)) {
    const problem = findNonJson(child, `${path}.${key}`, seen);
    if (problem) return problem;
  }
  seen.delete(value);
  return undefined;
}
