/**
 * Keeping the API key out of everything a user might print. The key only travels in the
 * `Authorization` header, but a server or proxy may echo what it was sent, so every string copied
 * from a response into an error goes through `redact` first, and URLs are shown without credentials.
 */

const REDACTED = "[redacted]";

// Shorter "keys" are placeholders (local servers accept anything); replacing e.g. every "x" in a
// message would garble it.
const MIN_SECRET_LENGTH = 8;

/** `text` with every occurrence of the secret replaced by "[redacted]". */
export function redact(text: string, secret: string | undefined): string;
export function redact(text: string | undefined, secret: string | undefined): string | undefined;
export function redact(text: string | undefined, secret: string | undefined): string | undefined {
  if (text === undefined || !secret || secret.length < MIN_SECRET_LENGTH) return text;
  return text.split(secret).join(REDACTED);
}

/** `record` with every value redacted (names stay). */
export function redactRecord(
  record: Readonly<Record<string, string>>,
  secret: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) out[name] = redact(value, secret);
  return out;
}

/**
 * A URL fit for a message: user name, password and query string removed (gateways sometimes carry
 * keys there), then redacted.
 */
export function displayUrl(url: string, secret: string | undefined): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return redact(parsed.toString().replace(/\/$/, ""), secret);
  } catch {
    return redact(url, secret);
  }
}

/**
 * The error to attach as `cause`: the original when it does not mention the secret anywhere it
 * could be printed, else a plain Error with the same name and a redacted message (the original is
 * dropped rather than risk printing the key).
 */
export function safeCause(error: unknown, secret: string | undefined): unknown {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return error;
  if (!mentions(error, secret, 0, new Set())) return error;
  const source = error as { name?: unknown; message?: unknown };
  const replacement = new Error(redact(String(source?.message ?? error), secret));
  replacement.name = typeof source?.name === "string" ? source.name : "Error";
  replacement.stack = `${replacement.name}: ${replacement.message}`;
  return replacement;
}

function mentions(value: unknown, secret: string, depth: number, seen: Set<unknown>): boolean {
  if (typeof value === "string") return value.includes(secret);
  if (typeof value !== "object" || value === null || depth > 6 || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Error) {
    if (String(value.message).includes(secret) || String(value.stack ?? "").includes(secret)) return true;
    if (mentions((value as { cause?: unknown }).cause, secret, depth + 1, seen)) return true;
    const errors = (value as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => mentions(inner, secret, depth + 1, seen)))
      return true;
  }
  for (const key of Object.keys(value)) {
    if (mentions((value as Record<string, unknown>)[key], secret, depth + 1, seen)) return true;
  }
  return false;
}
