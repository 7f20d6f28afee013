import { promises as fs, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from "@sluice/llm";
import { onTestFinished } from "vitest";

/** A fresh temporary folder, removed when the test that asked for it finishes. */
export function tempDir(prefix = "summarizer-"): string {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Writes files (relative path → content) under `root`, creating folders. */
export async function writeFiles(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
}

/** Distinct sentences, `count` of them, about `topic`: text whose summary is easy to check. */
export function prose(topic: string, count: number): string {
  return Array.from(
    { length: count },
    (_, index) => `The ${topic} note number ${index + 1} says that ${topic} matters for reason ${index + 1}.`,
  ).join(" ");
}

export interface ScriptedCall {
  readonly request: ChatRequest;
}

/**
 * A small in-test ChatModel: answers with the first sentence of the prompt's text, or throws what
 * `fail` returns for a request. Records every call.
 */
export function scriptedModel(
  fail?: (request: ChatRequest, call: number) => unknown,
): ChatModel & { calls: ScriptedCall[] } {
  const calls: ScriptedCall[] = [];
  const generate = async (request: ChatRequest): Promise<ChatResponse> => {
    calls.push({ request });
    const error = fail?.(request, calls.length);
    if (error !== undefined) throw error;
    const content = request.messages.at(-1)?.content ?? "";
    const text =
      content
        .split("\n\n")
        .slice(1)
        .join(" ")
        .split(/(?<=\.)\s/)[0] ?? "";
    return {
      text,
      usage: {
        inputTokens: Math.ceil(content.length / 4),
        outputTokens: Math.ceil(text.length / 4),
        cacheReadInputTokens: 0,
        cacheCreationInputTokens: 0,
      },
      stopReason: "end_turn",
      model: "scripted",
    };
  };
  return {
    specificationVersion: "v1",
    provider: "scripted",
    modelId: "scripted",
    calls,
    generate,
    async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      yield { type: "done", response: await generate(request) };
    },
  };
}
