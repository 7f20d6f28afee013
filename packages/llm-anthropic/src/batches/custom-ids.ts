import { InvalidRequestError } from "@sluice/llm";

/** What the Message Batches API accepts as a `custom_id`: 1 to 64 letters, digits, `_` or `-`. */
export const CUSTOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_LENGTH = 64;

/** Whether `value` can be sent as a `custom_id` as it is. */
export function isValidCustomId(value: unknown): value is string {
  return typeof value === "string" && CUSTOM_ID_PATTERN.test(value);
}

/**
 * One unique, valid `custom_id` per request, in input order, deterministic for the same keys (so a
 * resumed run gets the same ids). A caller key that is already a valid id is used as is, so results
 * are easy to find in the console; other keys are made valid (unsupported characters become `_`,
 * long ones are cut) and get a short hash so that different keys stay different; requests without
 * a key get `item-<index>`. Caller keys must be unique.
 *
 * @example
 * assignCustomIds(["doc-1", "report 2024/Q1", undefined]) // → ["doc-1", "report_2024_Q1-45de42fc", "item-2"]
 */
export function assignCustomIds(keys: readonly (string | undefined)[]): string[] {
  const seenKeys = new Map<string, number>();
  keys.forEach((key, index) => {
    if (key === undefined) return;
    if (typeof key !== "string" || key === "") {
      throw new InvalidRequestError(`requests[${index}].key must be a non-empty string when given.`);
    }
    const first = seenKeys.get(key);
    if (first !== undefined) {
      throw new InvalidRequestError(
        `requests[${index}].key ${JSON.stringify(key)} repeats requests[${first}].key; keys identify results, so each must be unique.`,
      );
    }
    seenKeys.set(key, index);
  });

  // Keys that are valid ids claim them first, so a generated id never takes a caller's key.
  const used = new Set<string>(keys.filter(isValidCustomId));
  return keys.map((key, index) => {
    if (isValidCustomId(key)) return key;
    const base = key === undefined ? `item-${index}` : sanitizedKey(key);
    return unique(base, used);
  });
}

function sanitizedKey(key: string): string {
  const cleaned = key.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, MAX_LENGTH - 9);
  return `${cleaned}-${fnv1a(key)}`;
}

function unique(base: string, used: Set<string>): string {
  let candidate = base;
  for (let n = 2; used.has(candidate); n++) {
    const suffix = `-${n}`;
    candidate = `${base.slice(0, MAX_LENGTH - suffix.length)}${suffix}`;
  }
  used.add(candidate);
  return candidate;
}

/** 32-bit FNV-1a as 8 hex digits: short, stable, good enough to keep sanitised keys apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}
