/** Response headers in either shape adapters meet: fetch's `Headers`, or a plain record (Node's). */
export type HeadersLike =
  | { forEach(callback: (value: string, name: string) => void): void; get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Headers as a plain object with lower-cased names (repeated headers joined with ", "). */
export function headersToRecord(headers: HeadersLike | undefined | null): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  const candidate = headers as { forEach?: unknown; get?: unknown };
  if (typeof candidate.forEach === "function" && typeof candidate.get === "function") {
    (headers as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => {
      record[name.toLowerCase()] = value;
    });
    return record;
  }
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    record[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return record;
}
