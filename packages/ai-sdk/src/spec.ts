import type {
  LanguageModelV2,
  LanguageModelV2FinishReason,
  LanguageModelV2Usage,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3Prompt,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import { type ChatRequest, type StopReason, toStopReason, type Usage } from "@sluice/llm";

/**
 * The two AI SDK model specifications Sluice accepts, read into one shape: V3 (`ai` 6) reports
 * input tokens nested (`{ total, noCache, cacheRead, cacheWrite }`) and finish reasons as
 * `{ unified, raw }`; V2 (`ai` 5) reports flat numbers and a bare finish reason string.
 */
export type AiSdkLanguageModel = LanguageModelV2 | LanguageModelV3;

export function isAiSdkLanguageModel(value: unknown): value is AiSdkLanguageModel {
  if (typeof value !== "object" || value === null) return false;
  const model = value as Partial<LanguageModelV3>;
  return (
    (model.specificationVersion === "v3" || (model.specificationVersion as unknown) === "v2") &&
    typeof model.doGenerate === "function" &&
    typeof model.doStream === "function" &&
    typeof model.modelId === "string"
  );
}

/** "anthropic.messages" → "anthropic": the provider name Sluice and the GenAI conventions use. */
export function providerName(model: AiSdkLanguageModel): string {
  const [name] = String(model.provider ?? "").split(".");
  return name === undefined || name === "" ? "ai-sdk" : name;
}

/** Usage as Sluice counts it: `inputTokens` excludes cache reads and writes, as Anthropic bills it. */
export function toUsage(usage: LanguageModelV2Usage | LanguageModelV3Usage | undefined): Usage {
  if (usage === undefined)
    return { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  if (typeof usage.inputTokens === "object" && usage.inputTokens !== null) {
    const v3 = usage as LanguageModelV3Usage;
    const cacheRead = count(v3.inputTokens.cacheRead);
    const cacheWrite = count(v3.inputTokens.cacheWrite);
    const noCache = v3.inputTokens.noCache ?? (v3.inputTokens.total ?? 0) - cacheRead - cacheWrite;
    return {
      inputTokens: count(noCache),
      outputTokens: count(v3.outputTokens.total),
      cacheReadInputTokens: cacheRead,
      cacheCreationInputTokens: cacheWrite,
    };
  }
  // V2 reports all prompt tokens in `inputTokens` and the cached part of them separately, as `ai` 6
  // itself reads it when it upgrades a V2 model.
  const v2 = usage as LanguageModelV2Usage;
  const cacheRead = count(v2.cachedInputTokens);
  return {
    inputTokens: count((v2.inputTokens ?? 0) - cacheRead),
    outputTokens: count(v2.outputTokens),
    cacheReadInputTokens: cacheRead,
    cacheCreationInputTokens: 0,
  };
}

const UNIFIED_STOP: Readonly<Record<string, StopReason>> = {
  stop: "end_turn",
  length: "max_tokens",
  "tool-calls": "tool_use",
  "content-filter": "refusal",
};

/** The provider's raw reason when Sluice knows it (it tells "stop_sequence" from "end_turn"), else the unified one. */
export function toStopReasonFrom(
  reason: LanguageModelV2FinishReason | LanguageModelV3FinishReason | undefined,
): StopReason {
  if (reason === undefined) return "unknown";
  if (typeof reason === "string") return UNIFIED_STOP[reason] ?? "unknown";
  const raw = toStopReason(reason.raw);
  return raw !== "unknown" ? raw : (UNIFIED_STOP[reason.unified] ?? "unknown");
}

/** A Sluice chat request as AI SDK call options (the prompt format both specifications share). */
export function toCallOptions(
  request: ChatRequest,
  abortSignal: AbortSignal | undefined,
): LanguageModelV3CallOptions {
  const prompt: LanguageModelV3Prompt = [];
  if (request.system !== undefined && request.system !== "")
    prompt.push({ role: "system", content: request.system });
  for (const message of request.messages) {
    prompt.push({ role: message.role, content: [{ type: "text", text: message.content }] });
  }
  return {
    prompt,
    maxOutputTokens: request.maxTokens,
    ...(request.stopSequences === undefined ? {} : { stopSequences: [...request.stopSequences] }),
    ...(abortSignal === undefined ? {} : { abortSignal }),
  };
}

/**
 * The text of an AI SDK prompt, for estimating its tokens: system, user and assistant text, and
 * tool inputs and results as JSON. Files and images are left out (their cost is not in the text).
 */
export function promptText(prompt: LanguageModelV3Prompt): {
  system: string;
  messages: { role: "user" | "assistant"; content: string }[];
} {
  let system = "";
  const messages: { role: "user" | "assistant"; content: string }[] = [];
  for (const message of prompt) {
    if (message.role === "system") {
      system += `${message.content}\n`;
      continue;
    }
    const parts: string[] = [];
    for (const part of message.content) {
      if (part.type === "text" || part.type === "reasoning") parts.push(part.text);
      else if (part.type === "tool-call") parts.push(JSON.stringify(part.input ?? null));
      else if (part.type === "tool-result") parts.push(JSON.stringify(part.output ?? null));
    }
    messages.push({ role: message.role === "assistant" ? "assistant" : "user", content: parts.join("\n") });
  }
  return { system, messages };
}

function count(value: number | undefined): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}
