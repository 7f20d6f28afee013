import type { LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { type ChatResponse, type HttpInfo, headersToRecord, type StopReason, type Usage } from "@sluice/llm";
import { toStopReasonFrom, toUsage } from "./spec.js";

/** The Sluice response for a finished AI SDK call (generate result, or the parts of a stream). */
export function responseOf(result: LanguageModelV3GenerateResult, modelId: string): ChatResponse {
  const text = result.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  return finalResponse({
    text,
    usage: toUsage(result.usage),
    stopReason: toStopReasonFrom(result.finishReason),
    model: result.response?.modelId ?? modelId,
    headers: result.response?.headers,
  });
}

export function finalResponse(parts: {
  text: string;
  usage: Usage;
  stopReason: StopReason;
  model: string;
  headers: Record<string, string | undefined> | undefined;
}): ChatResponse {
  const http = httpInfo(parts.headers);
  const requestId = http?.headers["request-id"] ?? http?.headers["x-request-id"];
  return {
    text: parts.text,
    usage: parts.usage,
    stopReason: parts.stopReason,
    model: parts.model,
    ...(requestId === undefined ? {} : { requestId }),
    ...(http === undefined ? {} : { http }),
  };
}

// The AI SDK hands back the headers of a successful response but not its status: it was a 2xx.
function httpInfo(headers: Record<string, string | undefined> | undefined): HttpInfo | undefined {
  if (headers === undefined) return undefined;
  return { status: 200, headers: headersToRecord(headers) };
}
