/**
 * JSON laid out the way the repository's formatter (Biome, line width 110) lays it out, so that
 * results written by a benchmark are committed as they are: objects one key per line, arrays on one
 * line when they fit, else one element per line. NaN and Infinity become null (not measured).
 */
const LINE_WIDTH = 110;
const INDENT = "  ";

export function formatJson(value: unknown): string {
  return `${format(value, "", 0)}\n`;
}

/** `used`: characters already on the line before this value (indent, key) and after it (comma). */
function format(value: unknown, indent: string, used: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inline = inlineArray(value);
    if (inline !== undefined && used + inline.length <= LINE_WIDTH) return inline;
    const inner = indent + INDENT;
    const items = value.map(
      (item, index) => inner + format(item, inner, inner.length + (index < value.length - 1 ? 1 : 0)),
    );
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(
      ([, item]) => item !== undefined && typeof item !== "function",
    );
    if (entries.length === 0) return "{}";
    const inner = indent + INDENT;
    const lines = entries.map(([key, item], index) => {
      const prefix = `${inner}${JSON.stringify(key)}: `;
      return prefix + format(item, inner, prefix.length + (index < entries.length - 1 ? 1 : 0));
    });
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return scalar(value);
}

/** The array on one line, or undefined when it holds an object (objects are never inlined). */
function inlineArray(values: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  for (const item of values) {
    if (Array.isArray(item)) {
      if (item.length === 0) {
        parts.push("[]");
        continue;
      }
      const nested = inlineArray(item);
      if (nested === undefined) return undefined;
      parts.push(nested);
    } else if (typeof item === "object" && item !== null) {
      return undefined;
    } else {
      parts.push(scalar(item));
    }
  }
  return `[${parts.join(", ")}]`;
}

function scalar(value: unknown): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (value === undefined) return "null";
  return JSON.stringify(value) ?? "null";
}
