import type { ChatStreamEvent, HttpInfo, StopReason, Usage } from "@sluice/llm";
import {
  contentText,
  finishReasonToStopReason,
  type OpenAIChatResponse,
  type OpenAIUsage,
  type ResponseExtras,
  toUsage,
} from "./response.js";

/** The part of a `chat.completion.chunk` this adapter reads. */
export interface ChatCompletionChunk {
  readonly model?: string;
  readonly choices?: readonly {
    readonly delta?: { readonly content?: unknown; readonly refusal?: unknown } | null;
    readonly finish_reason?: string | null;
    readonly stop_reason?: unknown;
  }[];
  readonly usage?: OpenAIUsage | null;
  /** An error reported inside the stream, after HTTP 200. */
  readonly error?: unknown;
}

/** A chunk that reports a failure instead of content; the caller maps `body` to a typed error. */
export class StreamErrorEvent extends Error {
  readonly code = "stream_error_event";
  readonly body: unknown;

  constructor(body: unknown) {
    super("The server reported an error inside the response stream.");
    this.name = "StreamErrorEvent";
    this.body = body;
  }
}

/**
 * Turns chat-completion chunks into @sluice/llm stream events and keeps what the final response
 * needs: the text, the model, the finish reason and the usage (sent, with
 * `stream_options.include_usage`, only in a last chunk whose `choices` is empty).
 */
export class ChunkAssembler {
  #text = "";
  #model = "";
  #finishReason: string | undefined;
  #stopReason: StopReason = "unknown";
  #refused = false;
  #usage: Usage | undefined;
  #chunks = 0;

  /** The events to emit for one parsed `data:` payload; throws `StreamErrorEvent` for an error chunk. */
  accept(chunk: ChatCompletionChunk): ChatStreamEvent[] {
    if (typeof chunk !== "object" || chunk === null) {
      throw new SyntaxError("A stream chunk is not a JSON object.");
    }
    if (chunk.error !== undefined && chunk.error !== null) throw new StreamErrorEvent(chunk);
    this.#chunks += 1;
    if (typeof chunk.model === "string" && chunk.model !== "") this.#model = chunk.model;
    const events: ChatStreamEvent[] = [];
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice) {
      const text = contentText(choice.delta?.content);
      if (text !== "") {
        this.#text += text;
        events.push({ type: "text", text });
      }
      if (typeof choice.delta?.refusal === "string" && choice.delta.refusal !== "") this.#refused = true;
      if (typeof choice.finish_reason === "string" && choice.finish_reason !== "") {
        this.#finishReason = choice.finish_reason;
        this.#stopReason = finishReasonToStopReason(choice.finish_reason, choice.stop_reason);
      }
    }
    const usage = toUsage(chunk.usage);
    if (usage) {
      this.#usage = usage;
      events.push({ type: "usage", usage: { ...usage } });
    }
    return events;
  }

  /** Whether any chunk of the answer arrived: a failure after that cut a stream mid-answer. */
  get started(): boolean {
    return this.#chunks > 0;
  }

  /** Whether a `finish_reason` arrived: the answer is complete even if the usage chunk never does. */
  get finished(): boolean {
    return this.#finishReason !== undefined;
  }

  get text(): string {
    return this.#text;
  }

  /** Whether the server sent usage. */
  get hasUsage(): boolean {
    return this.#usage !== undefined;
  }

  /** The final response; without reported usage, `extras.estimateUsage` fills it in (marked). */
  response(extras: ResponseExtras & { readonly http?: HttpInfo | undefined }): OpenAIChatResponse {
    const usage = this.#usage ?? extras.estimateUsage(this.#text);
    return {
      text: this.#text,
      usage,
      stopReason: this.#refused ? "refusal" : this.#stopReason,
      model: this.#model || extras.requestedModel,
      ...(extras.requestId === undefined ? {} : { requestId: extras.requestId }),
      ...(extras.http === undefined ? {} : { http: extras.http }),
      ...(this.#usage ? {} : { usageEstimated: true }),
    };
  }
}
