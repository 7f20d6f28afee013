import { type ChatRequest, estimateInputTokens, estimateTextTokens } from "@sluice/llm";

/**
 * What is sent to the model. The user message starts with a plain "Summarize …:" instruction so
 * that the offline extractive model understands it too (it reads the sentence count from it); the
 * system prompt gives an LLM the context: which document, which part.
 */

const SYSTEM =
  "You summarize documents faithfully and concisely. Keep names, numbers and conclusions; add nothing " +
  "that is not in the text. Answer with the summary only, in plain prose, without a heading or preamble.";

/**
 * A document's title: a `Title:` header line or a leading Markdown `# heading` in its first lines,
 * else `fallback` (the file name).
 *
 * @example
 * documentTitle("Title: The Raven\nAuthor: Poe\n\nOnce upon…", "the-raven.txt"); // "The Raven"
 */
export function documentTitle(text: string, fallback: string): string {
  const head = text.slice(0, 2_000).split(/\r?\n/).slice(0, 5);
  for (const line of head) {
    const match = /^(?:title:\s*|#\s+)(.{1,200}?)\s*$/i.exec(line.trim());
    if (match?.[1]) return match[1];
  }
  return fallback;
}

/** The map step: one chunk of a document. */
export function chunkRequest(
  text: string,
  title: string,
  part: number,
  parts: number,
  maxTokens: number,
): ChatRequest {
  const where =
    parts === 1 ? `the document "${title}"` : `part ${part} of ${parts} of the document "${title}"`;
  return {
    system: `${SYSTEM} You are reading ${where}.`,
    messages: [{ role: "user", content: `Summarize in at most 5 sentences:\n\n${text}` }],
    maxTokens,
  };
}

/** The reduce step: consecutive partial summaries of one document, combined into one. */
export function combineRequest(summaries: readonly string[], title: string, maxTokens: number): ChatRequest {
  return {
    system:
      `${SYSTEM} The text is a series of summaries of consecutive parts of the document "${title}", ` +
      "in order; combine them into one summary of the whole.",
    messages: [{ role: "user", content: `Summarize in at most 6 sentences:\n\n${summaries.join("\n\n")}` }],
    maxTokens,
  };
}

/**
 * Splits partial summaries into consecutive groups whose combined text fits `maxGroupTokens`, each
 * with at least two summaries (so every reduce round shrinks the list and the recursion ends).
 *
 * @example
 * groupForCombining(["a", "b", "c"], 6_000); // [["a", "b", "c"]]
 */
export function groupForCombining(summaries: readonly string[], maxGroupTokens: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const summary of summaries) {
    const size = estimateTextTokens(summary) + 1;
    if (current.length >= 2 && tokens + size > maxGroupTokens) {
      groups.push(current);
      current = [];
      tokens = 0;
    }
    current.push(summary);
    tokens += size;
  }
  if (current.length === 1 && groups.length > 0) groups.at(-1)!.push(current[0]!);
  else if (current.length > 0) groups.push(current);
  return groups;
}

/** An upper-bound plan of the calls a document of these chunks needs. */
export interface CallEstimate {
  readonly calls: number;
  readonly inputTokens: number;
  /** At `maxTokens` per call: the most the calls can produce (and what a limiter reserves). */
  readonly outputTokens: number;
}

/**
 * Estimates the calls for one document: one per chunk, then combining rounds assuming every summary
 * is as long as `maxTokens` allows (the worst case, so budgets hold).
 */
export function estimateDocument(
  chunks: readonly string[],
  title: string,
  maxTokens: number,
  maxGroupTokens: number,
): CallEstimate {
  let calls = 0;
  let inputTokens = 0;
  for (const [index, chunk] of chunks.entries()) {
    inputTokens += estimateInputTokens(chunkRequest(chunk, title, index + 1, chunks.length, maxTokens));
    calls += 1;
  }
  let summaries = chunks.length;
  // A summary as long as it can be: maxTokens tokens, i.e. about 3.5 characters each.
  const longest = "x".repeat(Math.ceil(maxTokens * 3.5));
  while (summaries > 1) {
    const groups = groupForCombining(Array<string>(summaries).fill(longest), maxGroupTokens);
    for (const group of groups) inputTokens += estimateInputTokens(combineRequest(group, title, maxTokens));
    calls += groups.length;
    summaries = groups.length;
  }
  return { calls, inputTokens, outputTokens: calls * maxTokens };
}
