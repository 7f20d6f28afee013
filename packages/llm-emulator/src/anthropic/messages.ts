import { admit, Reservation } from "../admission.js";
import { type Exchange, ExchangeAborted } from "../exchange.js";
import { cutShare, FAULTS_AFTER_ADMISSION, type InjectedFault } from "../faults.js";
import { LatencyModel, type LatencyPlan } from "../latency.js";
import type { Runtime } from "../runtime.js";
import { playStream } from "../stream-playback.js";
import { type Completion, complete } from "../text.js";
import { anthropicErrorBody, readAnthropicBody, sendAnthropicError } from "./errors.js";
import { limitHeaders, sendAnthropicFault, sendAnthropicRejection, sendPromptTooLong } from "./faults.js";
import { type MessageRequest, parseMessageRequest } from "./request.js";

/** The Messages API refuses bodies above 32 MB. */
export const MAX_MESSAGE_BODY_BYTES = 32 * 1024 * 1024;

/**
 * POST /v1/messages: validate, inject the next fault, admit against the buckets and the concurrency
 * cap, then answer as JSON or SSE paced by the latency model, settling the output reservation with
 * the real output.
 */
export async function handleMessages(runtime: Runtime, exchange: Exchange): Promise<void> {
  const body = await readAnthropicBody(exchange, MAX_MESSAGE_BODY_BYTES);
  if (body === undefined) return;
  const parsed = parseMessageRequest(body.value, {
    requireMaxTokens: true,
    anthropicVersion: exchange.header("anthropic-version"),
  });
  if (!parsed.ok) {
    sendAnthropicError(exchange, "invalid_request_error", parsed.message);
    return;
  }
  const request = parsed.request;
  const options = runtime.options();
  if (request.inputTokens > options.contextWindowTokens) {
    sendPromptTooLong(exchange, request.inputTokens, options.contextWindowTokens);
    return;
  }

  const fault = runtime.faults.next({ streaming: request.stream });
  if (fault && !FAULTS_AFTER_ADMISSION.has(fault.kind)) {
    sendAnthropicFault(runtime, exchange, fault, request);
    return;
  }

  const admission = admit(
    runtime,
    runtime.anthropicBuckets,
    { requests: 1, inputTokens: request.inputTokens, outputTokens: request.maxTokens },
    request.inputTokens,
  );
  if (!(admission instanceof Reservation)) {
    sendAnthropicRejection(runtime, exchange, admission);
    return;
  }

  try {
    const completion = complete({
      source: request.prompt,
      maxTokens: request.maxTokens,
      stopSequences: request.stopSequences,
      seed: options.seed,
      ratio: options.summaryRatio,
    });
    if (fault?.kind === "slow")
      await exchange.wait((fault.delayMs ?? options.faults.slowMs) / options.timeScale);
    const plan = runtime.latency.plan();
    const id = runtime.ids.next("msg_01");
    if (request.stream)
      await streamMessage(runtime, exchange, { id, request, completion, plan, fault }, admission);
    else await answerMessage(runtime, exchange, { id, request, completion, plan, fault }, admission);
  } catch (error) {
    if (!(error instanceof ExchangeAborted)) throw error;
  } finally {
    admission.settle(0);
  }
}

/** POST /v1/messages/count_tokens: free, not rate limited, the same count the buckets use. */
export async function handleCountTokens(runtime: Runtime, exchange: Exchange): Promise<void> {
  runtime.stats.current.countTokensRequests++;
  const body = await readAnthropicBody(exchange, MAX_MESSAGE_BODY_BYTES);
  if (body === undefined) return;
  const parsed = parseMessageRequest(body.value, { requireMaxTokens: false });
  if (!parsed.ok) {
    sendAnthropicError(exchange, "invalid_request_error", parsed.message);
    return;
  }
  exchange.sendJson(200, { input_tokens: parsed.request.inputTokens });
}

interface Answer {
  readonly id: string;
  readonly request: MessageRequest;
  readonly completion: Completion;
  readonly plan: LatencyPlan;
  readonly fault: InjectedFault | undefined;
}

/** A `usage` object; `service_tier` is "batch" inside message batches. */
export function usage(
  inputTokens: number,
  outputTokens: number,
  serviceTier: "standard" | "batch" = "standard",
) {
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: serviceTier,
  };
}

/** A complete `message` object, as the JSON response and batch results carry it. */
export function messageObject(
  id: string,
  request: MessageRequest,
  completion: Completion,
  serviceTier: "standard" | "batch" = "standard",
) {
  return {
    id,
    type: "message" as const,
    role: "assistant" as const,
    model: request.model,
    // No `citations` key on plain text: clients that validate the body (@ai-sdk/anthropic) take an
    // array or nothing there, never null.
    content: completion.text === "" ? [] : [{ type: "text" as const, text: completion.text }],
    stop_reason: completion.stopReason,
    stop_sequence: completion.stopSequence,
    stop_details: null,
    container: null,
    usage: usage(request.inputTokens, completion.outputTokens, serviceTier),
  };
}

async function answerMessage(
  runtime: Runtime,
  exchange: Exchange,
  answer: Answer,
  reservation: Reservation,
): Promise<void> {
  const { completion, plan } = answer;
  const start = runtime.clock();
  let delivered = false;
  try {
    await exchange.waitUntil(start + LatencyModel.total(plan, completion.outputTokens));
    delivered = true;
  } finally {
    // A timer may fire a millisecond early; a response that went out counts in full, so the
    // ground truth always equals the usage the client was sent.
    const generated = delivered
      ? cutShare(answer.fault, completion.outputTokens)
      : generatedBy(plan, runtime.clock() - start, completion.outputTokens);
    reservation.settle(generated);
  }
  if (answer.fault?.kind === "reset_after_answer") {
    runtime.stats.current.resetsAfterAnswer++;
    exchange.destroy();
    return;
  }
  const message = messageObject(answer.id, answer.request, completion);
  if (answer.fault?.kind === "stream_cut") {
    runtime.stats.current.streamsCut++;
    exchange.sendTruncated(200, "application/json", JSON.stringify(message), limitHeaders(runtime));
    return;
  }
  if (answer.fault?.kind === "malformed_json") {
    runtime.stats.current.malformed++;
    const json = JSON.stringify(message);
    exchange.sendText(
      200,
      "application/json",
      json.slice(0, Math.floor(json.length / 2)),
      limitHeaders(runtime),
    );
    return;
  }
  exchange.sendJson(200, message, limitHeaders(runtime));
}

function streamMessage(
  runtime: Runtime,
  exchange: Exchange,
  answer: Answer,
  reservation: Reservation,
): Promise<void> {
  const { completion, request } = answer;
  return playStream(runtime, exchange, answer, reservation, {
    start() {
      exchange.startStream(limitHeaders(runtime));
      const started = messageObject(answer.id, request, { ...completion, text: "" });
      exchange.sendEvent("message_start", {
        type: "message_start",
        message: { ...started, stop_reason: null, stop_sequence: null, usage: usage(request.inputTokens, 1) },
      });
    },
    malformed(firstChunk) {
      const delta = JSON.stringify({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: firstChunk },
      });
      exchange.writeRaw(
        `event: content_block_delta\ndata: ${delta.slice(0, Math.floor(delta.length / 2))}\n\n`,
      );
    },
    beforeText() {
      if (completion.text !== "") {
        exchange.sendEvent("content_block_start", {
          type: "content_block_start",
          index: 0,
          content_block: { type: "text", text: "" },
        });
      }
      exchange.sendEvent("ping", { type: "ping" });
    },
    delta(chunk) {
      exchange.sendEvent("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: chunk },
      });
    },
    overloaded() {
      exchange.sendEvent("error", anthropicErrorBody("overloaded_error", "Overloaded", exchange.requestId));
    },
    finish() {
      if (completion.text !== "")
        exchange.sendEvent("content_block_stop", { type: "content_block_stop", index: 0 });
      exchange.sendEvent("message_delta", {
        type: "message_delta",
        delta: {
          stop_reason: completion.stopReason,
          stop_sequence: completion.stopSequence,
          stop_details: null,
        },
        usage: {
          input_tokens: request.inputTokens,
          output_tokens: completion.outputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          server_tool_use: null,
        },
      });
      exchange.sendEvent("message_stop", { type: "message_stop" });
    },
  });
}

/** Output tokens a model would have produced after `elapsedMs`, for requests cut short by the client. */
function generatedBy(plan: LatencyPlan, elapsedMs: number, total: number): number {
  if (elapsedMs >= LatencyModel.total(plan, total)) return total;
  if (elapsedMs < plan.firstTokenMs) return 0;
  return plan.perTokenMs > 0
    ? Math.min(total, Math.floor((elapsedMs - plan.firstTokenMs) / plan.perTokenMs) + 1)
    : total;
}
