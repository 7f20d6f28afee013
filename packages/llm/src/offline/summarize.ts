import { estimateTextTokens } from "../estimate.js";

/**
 * An extractive summarizer: it scores each sentence by how frequent its words are in the whole text
 * (a classic Luhn-style heuristic) and by its position, then returns the best sentences in their
 * original order. It never writes a word that is not in the input. Deterministic.
 */

export interface SummarizeOptions {
  /** How many sentences to keep. Default: about a quarter of them, between 1 and 5. */
  readonly maxSentences?: number;
  /** Word limit for the whole summary (the last sentence is cut at a word boundary). */
  readonly maxWords?: number;
  /** Token budget (estimated conservatively); sentences that do not fit are left out. */
  readonly maxTokens?: number;
}

export interface Summary {
  readonly text: string;
  /** Indices of the kept sentences in `splitSentences(input)`. */
  readonly sentenceIndices: readonly number[];
  /** The word or token limit cut the summary short of what was asked for. */
  readonly truncated: boolean;
}

const ABBREVIATIONS = new Set([
  "mr",
  "mrs",
  "ms",
  "dr",
  "prof",
  "sr",
  "jr",
  "st",
  "vs",
  "etc",
  "e.g",
  "i.e",
  "inc",
  "ltd",
  "co",
  "corp",
  "fig",
  "no",
  "approx",
  "dept",
  "est",
  "jan",
  "feb",
  "mar",
  "apr",
  "jun",
  "jul",
  "aug",
  "sep",
  "sept",
  "oct",
  "nov",
  "dec",
]);

const STOPWORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below " +
    "between both but by can could did do does doing down during each few for from further had has have having " +
    "he her here hers herself him himself his how i if in into is it its itself just me more most my myself no " +
    "nor not now of off on once only or other our ours ourselves out over own same she should so some such than " +
    "that the their theirs them themselves then there these they this those through to too under until up very " +
    "was we were what when where which while who whom why will with would you your yours yourself yourselves " +
    "may might must shall one two many much well like new way use used using get got make made says said"
  ).split(" "),
);

interface Sentence {
  readonly text: string;
  readonly index: number;
  readonly paragraphStart: boolean;
}

/** Splits text into sentences: paragraphs and list items first, then sentence-ending punctuation. */
export function splitSentences(text: string): string[] {
  return sentencesOf(text).map((sentence) => sentence.text);
}

function sentencesOf(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  const blocks = text
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)/)
    .map((block) =>
      block
        .replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter((block) => block !== "");
  for (const block of blocks) {
    let start = 0;
    let paragraphStart = true;
    const boundary = /[.!?…]+["'”’)\]]*\s+/g;
    for (let match = boundary.exec(block); match !== null; match = boundary.exec(block)) {
      const end = match.index + match[0].length;
      const next = block[end];
      if (!isSentenceEnd(block.slice(start, match.index + 1), next)) continue;
      pushSentence(block.slice(start, end).trim());
      start = end;
    }
    pushSentence(block.slice(start).trim());

    function pushSentence(sentence: string) {
      if (sentence === "") return;
      sentences.push({ text: sentence, index: sentences.length, paragraphStart });
      paragraphStart = false;
    }
  }
  return sentences;
}

function isSentenceEnd(candidate: string, nextChar: string | undefined): boolean {
  if (nextChar !== undefined && /[a-z]/.test(nextChar)) return false;
  if (!candidate.endsWith(".")) return true;
  const lastWord = /([\p{L}.]+)\.$/u.exec(candidate)?.[1] ?? "";
  if (ABBREVIATIONS.has(lastWord.toLowerCase())) return false;
  // Initials ("J. R. R. Tolkien") and dotted acronyms ("U.S.").
  return !/^(?:\p{Lu}|(?:\p{L}\.)+\p{L})$/u.test(lastWord);
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? [];
}

function contentWordsOf(text: string): string[] {
  return wordsOf(text).filter((word) => word.length > 1 && !STOPWORDS.has(word));
}

/** The default number of sentences for a text of `count` sentences. */
function defaultSentenceCount(count: number): number {
  return Math.min(5, Math.max(1, Math.ceil(count / 4)));
}

/**
 * Summarizes `text` by extraction.
 *
 * @example
 * summarizeExtractive(article, { maxSentences: 2, maxTokens: 100 }).text;
 */
export function summarizeExtractive(text: string, options: SummarizeOptions = {}): Summary {
  const sentences = sentencesOf(text);
  if (sentences.length === 0) return { text: "", sentenceIndices: [], truncated: false };

  const frequency = new Map<string, number>();
  for (const word of contentWordsOf(text)) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  let highest = 1;
  for (const count of frequency.values()) highest = Math.max(highest, count);

  const scored = sentences.map((sentence) => {
    const words = contentWordsOf(sentence.text);
    const weight = words.reduce((sum, word) => sum + (frequency.get(word) ?? 0) / highest, 0);
    let score = words.length === 0 ? 0 : weight / Math.sqrt(words.length);
    if (sentence.index === 0) score *= 1.5;
    else if (sentence.paragraphStart) score *= 1.15;
    if (wordsOf(sentence.text).length < 4) score *= 0.5;
    return { sentence, score };
  });
  const ranked = [...scored].sort((a, b) => b.score - a.score || a.sentence.index - b.sentence.index);

  const wanted = Math.max(
    1,
    Math.min(options.maxSentences ?? defaultSentenceCount(sentences.length), sentences.length),
  );
  const budget = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const chosen: Sentence[] = [];
  let truncated = false;
  for (const { sentence } of ranked) {
    if (chosen.length === wanted) break;
    const candidate = [...chosen, sentence].sort((a, b) => a.index - b.index);
    if (estimateTextTokens(joinSentences(candidate)) <= budget) chosen.splice(0, chosen.length, ...candidate);
    else truncated = true;
  }

  let summary = joinSentences(chosen);
  if (chosen.length === 0) {
    // Not even the best sentence fits: return as much of it as the budget allows.
    summary = cutToTokens(ranked[0]?.sentence.text ?? "", budget);
    truncated = true;
  }
  if (options.maxWords !== undefined) {
    const words = summary.split(/\s+/).filter(Boolean);
    if (words.length > options.maxWords) {
      summary = words.slice(0, Math.max(1, options.maxWords)).join(" ");
      truncated = true;
    }
  }
  return { text: summary, sentenceIndices: chosen.map((sentence) => sentence.index), truncated };
}

function joinSentences(sentences: readonly Sentence[]): string {
  return sentences.map((sentence) => sentence.text).join(" ");
}

/** The longest prefix of `text`, ending at a word boundary when possible, within `maxTokens`. */
export function cutToTokens(text: string, maxTokens: number): string {
  if (estimateTextTokens(text) <= maxTokens) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (estimateTextTokens(text.slice(0, middle)) <= maxTokens) low = middle;
    else high = middle - 1;
  }
  const prefix = text.slice(0, low);
  const lastSpace = prefix.lastIndexOf(" ");
  return (lastSpace > 0 ? prefix.slice(0, lastSpace) : prefix).trimEnd();
}

/** What a prompt asks of the summarizer: the text to summarize and any length it names. */
export interface SummaryInstruction {
  readonly text: string;
  readonly maxSentences?: number;
  readonly maxWords?: number;
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  single: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

const LEADING_INSTRUCTION =
  /^\s*(?:please\s+)?(?:summari[sz]e|summary|tl;?\s?dr|condense|shorten)\b([^:\n]{0,80})(?::|\n)\s*([\s\S]*\S[\s\S]*)$/i;
const TRAILING_INSTRUCTION =
  /\n\s*(?:please\s+)?((?:summari[sz]e|give (?:me )?a summary|tl;?\s?dr|condense|shorten)\b[^\n]*)\s*$/i;

/**
 * Finds the text to summarize in a prompt such as `Summarize: <text>`, `Summarize the following in
 * two sentences:\n<text>` or `<text>\n\nSummarize the above in 50 words.`; any other prompt is
 * summarized as a whole.
 */
export function parseSummaryInstruction(prompt: string): SummaryInstruction {
  const leading = LEADING_INSTRUCTION.exec(prompt);
  if (leading) return withLimits(leading[2] ?? "", leading[1] ?? "");
  const trailing = TRAILING_INSTRUCTION.exec(prompt);
  if (trailing) return withLimits(prompt.slice(0, trailing.index), trailing[1] ?? "");
  return { text: prompt.trim() };
}

function withLimits(text: string, instruction: string): SummaryInstruction {
  const lower = instruction.toLowerCase();
  const count = (unit: string): number | undefined => {
    const match = new RegExp(`\\b(\\d+|${Object.keys(NUMBER_WORDS).join("|")})[-\\s]+${unit}`).exec(lower);
    if (!match?.[1]) return undefined;
    const value = NUMBER_WORDS[match[1]] ?? Number.parseInt(match[1], 10);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const maxSentences = count("(?:sentences?|bullets?|bullet points?|points?|lines?)");
  const maxWords = count("words?");
  return {
    text: text.trim(),
    ...(maxSentences === undefined ? {} : { maxSentences }),
    ...(maxWords === undefined ? {} : { maxWords }),
  };
}
