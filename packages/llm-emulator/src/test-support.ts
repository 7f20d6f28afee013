import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { Emulator } from "./server.js";

/** Helpers shared by the integration tests (real SDKs over real HTTP to a real emulator). */

export const PROMPT =
  "Rate limits protect the provider from overload. Every organisation gets a budget of requests and tokens " +
  "per minute. Tokens refill continuously, like water flowing into a bucket. The weather was pleasant that " +
  "day. A client that respects the token budget never sees a rate limit error. Buckets of tokens refill at " +
  "the limit per minute, all day long.";

export function anthropicClient(
  emulator: Emulator,
  options: ConstructorParameters<typeof Anthropic>[0] = {},
) {
  return new Anthropic({ baseURL: emulator.url, apiKey: "test-key", maxRetries: 0, ...options });
}

export function openaiClient(emulator: Emulator, options: ConstructorParameters<typeof OpenAI>[0] = {}) {
  return new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: "test-key", maxRetries: 0, ...options });
}

/** A minimal valid Messages request. */
export function messageParams(overrides: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) {
  return {
    model: "claude-emulated",
    max_tokens: 256,
    messages: [{ role: "user" as const, content: PROMPT }],
    ...overrides,
  } satisfies Anthropic.MessageCreateParamsNonStreaming;
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected the call to fail, but it succeeded.");
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs` (a bound, not an expectation). */
export async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
