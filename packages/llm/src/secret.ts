/**
 * Keeping an API key out of everything a user might print. Adapters send the key only in a header,
 * but a server or proxy may echo what it was sent, so every string an adapter copies from a response
 * into an error (messages, headers, bodies, URLs) goes through these first.
 */

const REDACTED = "[redacted]";

// Shorter "keys" are placeholders (tests, local servers that accept anything); replacing e.g. every
// "x" in a message would garble it.
const MIN_SECRET_LENGTH = 8;

/**
 * `text` with every occurrence of the secret replaced by "[redacted]". Secrets shorter than 8
 * characters are placeholders and left alone.
 *
 * @example
 * redactSecret(`invalid x-api-key: ${apiKey}`, apiKey); // → "invalid x-api-key: [redacted]"
 */
export function redactSecret(text: string, secret: string | undefined): string;
export function redactSecret(text: string | undefined, secret: string | undefined): string | undefined;
export function redactSecret(text: string | undefined, secret: string | undefined): string | undefined {
  if (text === undefined || !isRealSecret(secret)) return text;
  return text.split(secret).join(REDACTED);
}

/** `record` (e.g. response headers) with every value redacted; the names stay. */
export function redactRecord(
  record: Readonly<Record<string, string>>,
  secret: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) out[name] = redactSecret(value, secret);
  return out;
}

/**
 * A URL fit for a message: user name, password and query string removed (gateways sometimes carry
 * keys there), no trailing slash, then the secret redacted. Text that is not a URL is only redacted.
 *
 * @example
 * redactUrl("https://user:pw@gateway.example/v1/?key=abc", undefined); // → "https://gateway.example/v1"
 */
export function redactUrl(url: string, secret: string | undefined): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return redactSecret(parsed.toString().replace(/\/$/, ""), secret);
  } catch {
    return redactSecret(url, secret);
  }
}

/**
 * The error to attach as `cause`: the original when it does not mention the secret anywhere it
 * could be printed (message, stack, cause chain, own properties, an AggregateError's `errors`), else a
 * plain Error with the same name and a redacted message. The original, with its body and stack, is
 * dropped rather than risk printing the key.
 *
 * @example
 * throw new ConnectionError({ provider: "acme", cause: safeCause(fetchError, apiKey) });
 */
export function safeCause(error: unknown, secret: string | undefined): unknown {
  if (!isRealSecret(secret)) return error;
  if (!mentions(error, secret, 0, new Set())) return error;
  const source = error as { name?: unknown; message?: unknown };
  const replacement = new Error(redactSecret(String(source?.message ?? error), secret));
  replacement.name = typeof source?.name === "string" ? source.name : "Error";
  replacement.stack = `${replacement.name}: ${replacement.message}`;
  return replacement;
}

function isRealSecret(secret: string | undefined): secret is string {
  return secret !== undefined && secret.length >= MIN_SECRET_LENGTH;
}

function mentions(value: unknown, secret: string, depth: number, seen: Set<unknown>): boolean {
  if (typeof value === "string") return value.includes(secret);
  if (typeof value !== "object" || value === null || depth > 6 || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Error) {
    if (String(value.message).includes(secret) || String(value.stack ?? "").includes(secret)) return true;
    if (mentions((value as { cause?: unknown }).cause, secret, depth + 1, seen)) return true;
    // An AggregateError's `errors` is not enumerable, so the loop below would miss it.
    const errors = (value as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => mentions(inner, secret, depth + 1, seen)))
      return true;
  }
  for (const key of Object.keys(value)) {
    if (mentions((value as Record<string, unknown>)[key], secret, depth + 1, seen)) return true;
  }
  return false;
}
