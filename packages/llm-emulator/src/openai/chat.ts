import { admit, Reservation } from "../admission.js";
import { isRecord } from "../anthropic/request.js";
import { type Exchange, ExchangeAborted } from "../exchange.js";
import { cutShare, FAULTS_AFTER_ADMISSION, type InjectedFault } from "../faults.js";
import { LatencyModel, type LatencyPlan } from "../latency.js";
import { formatRetryAfter } from "../retry-after.js";
import type { Runtime } from "../runtime.js";
import { playStream } from "../stream-playback.js";
import { type Completion, complete, countTokens } from "../text.js";
import { sendOpenAiError } from "./errors.js";
import { contextLengthError, sendOpenAiFault } from "./faults.js";
import { formatGoDuration, limitHeaders } from "./headers.js";

const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** The output cap when a request sets neither max_tokens nor max_completion_tokens. */
export const DEFAULT_MAX_TOKENS = 4096;

export interface ChatRequest {
  readonly model: string;
  /** max_completion_tokens ?? max_tokens, undefined when neither is set. */
  readonly maxTokens: number | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly stop: readonly string[];
  readonly inputTokens: number;
  readonly prompt: string;
}

type Parsed = { ok: true; request: ChatRequest } | { ok: false; message: string; param: string | null };

/** Validates a chat-completions body and counts its input tokens (ceil(chars / 4) over every message). */
export function parseChatRequest(body: unknown): Parsed {
  const fail = (message: string, param: string | null = null): Parsed => ({ ok: false, message, param });
  if (!isRecord(body)) return fail("The request body must be a JSON object.");
  if (typeof body.model !== "string" || body.model === "")
    return fail("you must provide a model parameter", "model");
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return fail("'messages' must be a non-empty array.", "messages");
  }
  let counted = "";
  let prompt = "";
  let last = "";
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message) || typeof message.role !== "string") {
      return fail(
        `Invalid value for 'messages[${index}]': expected an object with a 'role'.`,
        `messages[${index}]`,
      );
    }
    const text = partsText(message.content);
    if (text === undefined) {
      return fail(
        `Invalid type for 'messages[${index}].content': expected a string or an array of parts.`,
        `messages[${index}].content`,
      );
    }
    counted += text;
    last = text;
    if (message.role === "user") prompt = text;
  }
  let maxTokens: number | undefined;
  for (const name of ["max_tokens", "max_completion_tokens"] as const) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (!Number.isInteger(value) || (value as number) < 1) {
      return fail(`Invalid '${name}': integer below minimum value. Expected a value >= 1.`, name);
    }
    maxTokens = value as number;
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    return fail("The emulator answers with one choice only; set n to 1 or leave it out.", "n");
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
    return fail("Invalid type for 'stream': expected a boolean.", "stream");
  }
  const stream = body.stream === true;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!stream)
      return fail(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        "stream_options",
      );
    if (!isRecord(body.stream_options)) return fail("Invalid type for 'stream_options'.", "stream_options");
    includeUsage = body.stream_options.include_usage === true;
  }
  let stop: string[] = [];
  if (typeof body.stop === "string") stop = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.every((s) => typeof s === "string"))
    stop = body.stop as string[];
  else if (body.stop !== undefined && body.stop !== null) return fail("Invalid type for 'stop'.", "stop");
  return {
    ok: true,
    request: {
      model: body.model,
      maxTokens,
      stream,
      includeUsage,
      stop,
      inputTokens: Math.max(1, countTokens(counted)),
      prompt: prompt === "" ? last : prompt,
    },
  };
}

function partsText(content: unknown): string | undefined {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) =>
      isRecord(part) && part.type === "text" && typeof part.text === "string"
        ? part.text
        : JSON.stringify(part),
    )
    .join("\n");
}

/**
 * POST /v1/chat/completions: one tokens bucket charged up front at max(max_tokens, input estimate)
 * (no refund), a requests bucket that failed requests count against too, 503 when the concurrency
 * cap is full, and x-ratelimit-* headers with Go-duration resets.
 */
export async function handleChatCompletions(runtime: Runtime, exchange: Exchange): Promise<void> {
  const body = await exchange.readJson(MAX_BODY_BYTES);
  if (!body.ok) {
    sendOpenAiError(exchange, body.status, {
      message: body.message,
      type: "invalid_request_error",
      code: null,
    });
    return;
  }
  const parsed = parseChatRequest(body.value);
  if (!parsed.ok) {
    sendOpenAiError(exchange, 400, {
      message: parsed.message,
      type: "invalid_request_error",
      param: parsed.param,
      code: null,
    });
    return;
  }
  const request = parsed.request;
  const options = runtime.options();
  if (request.inputTokens > options.contextWindowTokens) {
    sendOpenAiError(exchange, 400, contextLengthError(request.inputTokens, options.contextWindowTokens));
    return;
  }
  const fault = runtime.faults.next({ streaming: request.stream });
  if (fault && !FAULTS_AFTER_ADMISSION.has(fault.kind)) {
    sendOpenAiFault(runtime, exchange, fault, request.model, request.inputTokens);
    return;
  }

  const charge = { requests: 1, tokens: Math.max(request.maxTokens ?? 0, request.inputTokens) };
  const admission = admit(runtime, runtime.openaiBuckets, charge, request.inputTokens);
  if (!(admission instanceof Reservation)) {
    if (admission.reason === "overloaded") {
      sendOpenAiError(exchange, 503, {
        message: "The server is overloaded or not ready yet.",
        type: "server_error",
        code: null,
      });
      return;
    }
    // Rejected attempts still use up a request, as OpenAI documents.
    if (admission.verdict.dimension !== "requests") runtime.openaiBuckets.take({ requests: 1 });
    const { verdict } = admission;
    const unit = verdict.dimension === "requests" ? "requests per min (RPM)" : "tokens per min (TPM)";
    const headers = limitHeaders(runtime);
    if (options.rateLimitHeaders)
      headers["retry-after"] = formatRetryAfter(verdict.retryAfterMs, options.timeScale);
    sendOpenAiError(
      exchange,
      429,
      {
        message:
          `Rate limit reached for ${request.model} in organization org-emulator on ${unit}: Limit ${verdict.limit}, ` +
          `Used ${Math.ceil(verdict.limit - verdict.remaining)}, Requested ${verdict.requested}. ` +
          `Please try again in ${formatGoDuration(verdict.retryAfterMs)}.`,
        type: verdict.dimension === "requests" ? "requests" : "tokens",
        code: "rate_limit_exceeded",
      },
      headers,
    );
    return;
  }

  try {
    const completion = complete({
      source: request.prompt,
      maxTokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
      stopSequences: request.stop,
      seed: options.seed,
      ratio: options.summaryRatio,
    });
    if (fault?.kind === "slow")
      await exchange.wait((fault.delayMs ?? options.faults.slowMs) / options.timeScale);
    const plan = runtime.latency.plan();
    const answer = { id: runtime.ids.next("chatcmpl-", 29), request, completion, plan, fault };
    if (request.stream) await streamCompletion(runtime, exchange, answer, admission);
    else await answerCompletion(runtime, exchange, answer, admission);
  } catch (error) {
    if (!(error instanceof ExchangeAborted)) throw error;
  } finally {
    admission.settle(0);
  }
}

interface Answer {
  readonly id: string;
  readonly request: ChatRequest;
  readonly completion: Completion;
  readonly plan: LatencyPlan;
  readonly fault: InjectedFault | undefined;
}

function finishReason(completion: Completion): "stop" | "length" {
  return completion.stopReason === "max_tokens" ? "length" : "stop";
}

function usage(request: ChatRequest, completion: Completion) {
  return {
    prompt_tokens: request.inputTokens,
    completion_tokens: completion.outputTokens,
    total_tokens: request.inputTokens + completion.outputTokens,
  };
}

async function answerCompletion(
  runtime: Runtime,
  exchange: Exchange,
  answer: Answer,
  reservation: Reservation,
) {
  const { completion, request } = answer;
  await exchange.waitUntil(runtime.clock() + LatencyModel.total(answer.plan, completion.outputTokens));
  reservation.settle(cutShare(answer.fault, completion.outputTokens));
  if (answer.fault?.kind === "reset_after_answer") {
    runtime.stats.current.resetsAfterAnswer++;
    exchange.destroy();
    return;
  }
  const body = {
    id: answer.id,
    object: "chat.completion",
    created: Math.floor(runtime.clock() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: completion.text, refusal: null },
        logprobs: null,
        finish_reason: finishReason(completion),
      },
    ],
    usage: usage(request, completion),
    system_fingerprint: "fp_emulator",
  };
  if (answer.fault?.kind === "malformed_json") {
    runtime.stats.current.malformed++;
    const json = JSON.stringify(body);
    exchange.sendText(
      200,
      "application/json",
      json.slice(0, Math.floor(json.length / 2)),
      limitHeaders(runtime),
    );
    return;
  }
  if (answer.fault?.kind === "stream_cut") {
    runtime.stats.current.streamsCut++;
    exchange.sendTruncated(200, "application/json", JSON.stringify(body), limitHeaders(runtime));
    return;
  }
  exchange.sendJson(200, body, limitHeaders(runtime));
}

function streamCompletion(
  runtime: Runtime,
  exchange: Exchange,
  answer: Answer,
  reservation: Reservation,
): Promise<void> {
  const { completion, request } = answer;
  const created = Math.floor(runtime.clock() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: answer.id,
    object: "chat.completion.chunk",
    created,
    model: request.model,
    system_fingerprint: "fp_emulator",
    choices,
    ...(request.includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const text = (content: string) =>
    chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]);
  return playStream(runtime, exchange, answer, reservation, {
    start() {
      exchange.startStream(limitHeaders(runtime));
      exchange.sendData(
        chunk([
          {
            index: 0,
            delta: { role: "assistant", content: "", refusal: null },
            logprobs: null,
            finish_reason: null,
          },
        ]),
      );
    },
    malformed(firstChunk) {
      const raw = JSON.stringify(text(firstChunk));
      exchange.writeRaw(`data: ${raw.slice(0, Math.floor(raw.length / 2))}\n\n`);
    },
    delta(piece) {
      exchange.sendData(text(piece));
    },
    overloaded() {
      exchange.sendData({
        error: {
          message: "The server is overloaded; the stream was interrupted.",
          type: "server_error",
          param: null,
          code: "overloaded",
        },
      });
    },
    finish() {
      exchange.sendData(
        chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(completion) }]),
      );
      if (request.includeUsage) exchange.sendData(chunk([], { usage: usage(request, completion) }));
      exchange.sendData("[DONE]");
    },
  });
}
