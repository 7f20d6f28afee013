import { estimateTextTokens } from "@sluice/llm";

/**
 * Splits a text into chunks of at most `maxTokens` estimated tokens, cutting at paragraph breaks
 * when it can, then between sentences, then between words, and only as a last resort inside a word.
 * Chunks come out about the same size (a 2.1-chunk text gives three thirds, not two full chunks and
 * a crumb), so the map step's calls take about the same time.
 *
 * @example
 * chunkText(book, 6_000).length; // 1 for a short text; ⌈tokens / 6,000⌉ or a little more for a long one
 */
export function chunkText(text: string, maxTokens: number): string[] {
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw new RangeError(`maxTokens must be a whole number of at least 1 (got ${String(maxTokens)}).`);
  }
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const total = estimateTextTokens(trimmed);
  if (total <= maxTokens) return [trimmed];

  const pieces = splitToFit(trimmed, maxTokens);
  const parts = Math.ceil(total / maxTokens);
  // Aim a little above the even share so rounding does not spill a crumb into an extra chunk.
  const target = Math.min(maxTokens, Math.ceil((total / parts) * 1.05));
  const chunks: string[] = [];
  let current: Piece[] = [];
  let currentTokens = 0;
  for (const piece of pieces) {
    const previous = current.at(-1);
    const joinTokens = previous === undefined ? 0 : SEPARATOR_TOKENS[previous.separator];
    if (previous !== undefined && currentTokens + joinTokens + piece.tokens > target) {
      chunks.push(joinPieces(current));
      current = [];
      currentTokens = 0;
    }
    currentTokens += (current.length === 0 ? 0 : joinTokens) + piece.tokens;
    current.push(piece);
  }
  if (current.length > 0) chunks.push(joinPieces(current));
  return chunks;
}

type Separator = "paragraph" | "space" | "none";

interface Piece {
  readonly text: string;
  readonly tokens: number;
  /** How this piece joins the one after it. */
  readonly separator: Separator;
}

const SEPARATOR_TEXT: Readonly<Record<Separator, string>> = { paragraph: "\n\n", space: " ", none: "" };
const SEPARATOR_TOKENS: Readonly<Record<Separator, number>> = { paragraph: 1, space: 1, none: 0 };

function joinPieces(pieces: readonly Piece[]): string {
  let text = "";
  for (const [index, piece] of pieces.entries()) {
    text += piece.text;
    if (index < pieces.length - 1) text += SEPARATOR_TEXT[piece.separator];
  }
  return text.trim();
}

/** Paragraphs, with any paragraph larger than `maxTokens` broken into sentences, words or slices. */
function splitToFit(text: string, maxTokens: number): Piece[] {
  const pieces: Piece[] = [];
  const paragraphs = text.split(/\n[ \t]*\n\s*/);
  for (const paragraph of paragraphs) {
    const tokens = estimateTextTokens(paragraph);
    if (tokens === 0) continue;
    if (tokens <= maxTokens) {
      pieces.push({ text: paragraph, tokens, separator: "paragraph" });
      continue;
    }
    const sentences = paragraph.split(/(?<=[.!?…]["'”’)\]]*)\s+/);
    for (const [index, sentence] of sentences.entries()) {
      const last = index === sentences.length - 1;
      const sentenceTokens = estimateTextTokens(sentence);
      if (sentenceTokens <= maxTokens) {
        pieces.push({ text: sentence, tokens: sentenceTokens, separator: last ? "paragraph" : "space" });
      } else {
        pieces.push(...splitWords(sentence, maxTokens, last ? "paragraph" : "space"));
      }
    }
  }
  return pieces;
}

function splitWords(sentence: string, maxTokens: number, finalSeparator: Separator): Piece[] {
  const pieces: Piece[] = [];
  const words = sentence.split(/\s+/).filter((word) => word !== "");
  for (const [index, word] of words.entries()) {
    const separator = index === words.length - 1 ? finalSeparator : "space";
    const tokens = estimateTextTokens(word);
    if (tokens <= maxTokens) {
      pieces.push({ text: word, tokens, separator });
      continue;
    }
    // A "word" longer than a chunk (a base64 blob, a minified line): cut it into slices that fit.
    const slices = sliceToFit(word, maxTokens);
    for (const [sliceIndex, slice] of slices.entries()) {
      pieces.push({
        text: slice,
        tokens: estimateTextTokens(slice),
        separator: sliceIndex === slices.length - 1 ? separator : "none",
      });
    }
  }
  return pieces;
}

function sliceToFit(text: string, maxTokens: number): string[] {
  const slices: string[] = [];
  const characters = Array.from(text);
  let start = 0;
  while (start < characters.length) {
    // One token is at least one character, so maxTokens characters always fit.
    let end = Math.min(characters.length, start + maxTokens * 3);
    while (end > start + 1 && estimateTextTokens(characters.slice(start, end).join("")) > maxTokens) {
      end = start + Math.max(1, Math.floor((end - start) * 0.9));
    }
    slices.push(characters.slice(start, end).join(""));
    start = end;
  }
  return slices;
}
