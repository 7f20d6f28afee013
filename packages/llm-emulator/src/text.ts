import { createRandom, hashString } from "./prng.js";

/**
 * The emulator's "model": an extractive summary of the prompt (its highest-scoring sentences, kept in
 * their original order), plus the token arithmetic the limits run on. Deterministic for a given seed,
 * so tests can assert exact text, and cheap, so a benchmark measures the client and not the server.
 */

/** Tokens in `text` the way the emulator counts them everywhere: ceil(chars / 4). */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Sentences of `text`: split after . ! ? (and at line breaks), trimmed, empty ones dropped. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?…])\s+|\n+/u)
    .map((sentence) => sentence.replace(/\s+/gu, " ").trim())
    .filter((sentence) => sentence !== "");
}

const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by for from had has have he her his i if in into is it its of on or " +
    "our she so than that the their them then there these they this to was we were what when which who " +
    "will with would you your not can could should may might must do does did just also about over such"
  ).split(" "),
);

function words(sentence: string): string[] {
  return (sentence.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []).filter(
    (word) => word.length > 2 && !STOP_WORDS.has(word),
  );
}

export interface SummaryOptions {
  /** Seed of the tie-breaking jitter: another seed may pick other sentences among near-equals. */
  readonly seed: number;
  /** Share of sentences kept, in (0, 1]; at least one sentence is always kept. */
  readonly ratio: number;
}

/**
 * An extractive summary: sentences scored by how often their content words occur in the whole text
 * (normalised by sentence length, with a small bonus for the lead sentence), the top share kept.
 *
 * @example
 * summarize("Cats sleep a lot. Dogs bark. Cats and dogs are pets.", { seed: 1, ratio: 1 / 3 })
 * // → "Cats sleep a lot."
 */
export function summarize(text: string, options: SummaryOptions): string {
  const sentences = splitSentences(text);
  if (sentences.length <= 1) return sentences[0] ?? "";
  const frequency = new Map<string, number>();
  for (const sentence of sentences) {
    for (const word of words(sentence)) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  }
  const random = createRandom(hashString(text, options.seed));
  const scored = sentences.map((sentence, index) => {
    const content = words(sentence);
    const weight = content.reduce((sum, word) => sum + (frequency.get(word) ?? 0), 0);
    const base = content.length === 0 ? 0 : weight / Math.sqrt(content.length);
    const lead = index === 0 ? 0.5 : 0;
    return { index, score: (base + lead) * (1 + (random() - 0.5) * 0.1) };
  });
  const keep = Math.max(1, Math.round(sentences.length * options.ratio));
  const chosen = scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, keep)
    .map((entry) => entry.index)
    .sort((a, b) => a - b);
  return chosen.map((index) => sentences[index]).join(" ");
}

export type TextStopReason = "end_turn" | "max_tokens" | "stop_sequence";

export interface Completion {
  readonly text: string;
  readonly outputTokens: number;
  readonly stopReason: TextStopReason;
  /** The stop sequence that ended the text, when `stopReason` is "stop_sequence". */
  readonly stopSequence: string | null;
}

export interface CompletionRequest {
  /** The text to summarise (usually the last user message). */
  readonly source: string;
  /** Output cap in tokens; the text is cut at maxTokens * 4 characters. */
  readonly maxTokens: number;
  readonly stopSequences?: readonly string[] | undefined;
  readonly seed: number;
  readonly ratio: number;
}

/**
 * The response to a request: the summary, cut at the earliest stop sequence or at `maxTokens`,
 * whichever comes first, with the matching stop reason.
 */
export function complete(request: CompletionRequest): Completion {
  const full = summarize(request.source, { seed: request.seed, ratio: request.ratio });
  const maxChars = request.maxTokens * 4;
  let stop: { at: number; sequence: string } | undefined;
  for (const sequence of request.stopSequences ?? []) {
    if (sequence === "") continue;
    const at = full.indexOf(sequence);
    if (at !== -1 && at <= maxChars && (!stop || at < stop.at)) stop = { at, sequence };
  }
  if (stop) {
    const text = full.slice(0, stop.at);
    return {
      text,
      outputTokens: countTokens(text),
      stopReason: "stop_sequence",
      stopSequence: stop.sequence,
    };
  }
  if (full.length > maxChars) {
    const text = cutAt(full, maxChars);
    return { text, outputTokens: request.maxTokens, stopReason: "max_tokens", stopSequence: null };
  }
  return { text: full, outputTokens: countTokens(full), stopReason: "end_turn", stopSequence: null };
}

/** `text` cut to at most `length` UTF-16 units without splitting a surrogate pair. */
function cutAt(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return code >= 0xd800 && code <= 0xdbff ? text.slice(0, length - 1) : text.slice(0, length);
}

/**
 * Streaming pieces of `text`: whole words with their trailing space, grouped to about `size`
 * characters, so deltas look like a tokenizer's output without thousands of tiny writes.
 */
export function chunkText(text: string, size = 16): string[] {
  const pieces = text.match(/\S+\s*|\s+/gu) ?? [];
  const chunks: string[] = [];
  let current = "";
  for (const piece of pieces) {
    if (current !== "" && current.length + piece.length > size) {
      chunks.push(current);
      current = "";
    }
    current += piece;
  }
  if (current !== "") chunks.push(current);
  return chunks;
}
