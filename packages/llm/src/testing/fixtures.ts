import type { ChatRequest, ChatStreamEvent } from "../model.js";

/** A few paragraphs of plain prose, long enough to summarize and to cut with small `maxTokens`. */
export const ARTICLE = [
  "River deltas form where a river meets a slower body of water and drops the sediment it carries.",
  "Over centuries the deposited silt builds new land, and the river splits into many channels that shift with each flood.",
  "Deltas are among the most fertile places on Earth, which is why so many farming cultures grew up on them.",
  "They are also fragile: dams upstream trap sediment, and without fresh silt the delta slowly sinks.",
  "",
  "Engineers now study how to let rivers carry sediment again without flooding the cities built on deltas.",
  "Some projects cut controlled gaps in levees so that floodwater can spread silt over wetlands.",
  "Early results suggest that land can be rebuilt this way, although the process takes decades.",
].join("\n");

export const SHORT_PROMPT =
  "Summarize: The lighthouse keeper climbed the stairs every evening to light the lamp.";

/**
 * A request with one user message and `maxTokens` 400, `extra` fields on top.
 *
 * @example
 * const ask = (extra: Partial<ChatRequest> = {}) => userRequest(`Summarize: ${ARTICLE}`, { maxTokens: 200, ...extra });
 */
export function userRequest(content: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { messages: [{ role: "user", content }], maxTokens: 400, ...extra };
}

/**
 * Every event of a stream, in order, once it has ended; rejects with the stream's error.
 *
 * @example
 * const events = await collectEvents(model.stream(request));
 * expect(events.at(-1)?.type).toBe("done");
 */
export async function collectEvents(events: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const collected: ChatStreamEvent[] = [];
  for await (const event of events) collected.push(event);
  return collected;
}

/** A key that is easy to spot if an adapter leaks it. */
export const CONFORMANCE_API_KEY = "sk-ant-conformance-0123456789-do-not-log";

export const DEFAULT_CONFORMANCE_MODEL_ID = "claude-haiku-4-5";
