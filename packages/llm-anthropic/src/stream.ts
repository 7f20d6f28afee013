import type Anthropic from "@anthropic-ai/sdk";
import {
  type ChatResponse,
  type ChatStreamEvent,
  completeUsage,
  type HttpInfo,
  type StopReason,
  toStopReason,
  type Usage,
} from "@sluice/llm";
import { partialUsage } from "./response.js";

/**
 * Turns the Messages API's server-sent events into @sluice/llm stream events, and keeps what the
 * final `ChatResponse` needs: the text, the usage (input from `message_start`, cumulative output
 * from `message_delta`), the stop reason and the model. Only text blocks count as text.
 */
export class StreamAssembler {
  #text = "";
  #usage: Partial<Usage> = {};
  #stopReason: StopReason = "unknown";
  #model = "";
  #finished = false;

  /** The events to emit for one SDK event (often none). */
  accept(event: Anthropic.RawMessageStreamEvent): ChatStreamEvent[] {
    switch (event.type) {
      case "message_start": {
        this.#model = event.message.model;
        return this.#addUsage(event.message.usage);
      }
      case "content_block_start": {
        const block = event.content_block;
        return block.type === "text" && block.text !== "" ? this.#addText(block.text) : [];
      }
      case "content_block_delta": {
        const delta = event.delta;
        return delta.type === "text_delta" && delta.text !== "" ? this.#addText(delta.text) : [];
      }
      case "message_delta": {
        if (event.delta.stop_reason) this.#stopReason = toStopReason(event.delta.stop_reason);
        return this.#addUsage(event.usage);
      }
      case "message_stop": {
        this.#finished = true;
        return [];
      }
      default:
        return [];
    }
  }

  /** Whether `message_stop` arrived: without it the answer is cut and must not be reported as done. */
  get finished(): boolean {
    return this.#finished;
  }

  response(extras: {
    readonly http?: HttpInfo | undefined;
    readonly requestId?: string | undefined;
  }): ChatResponse {
    return {
      text: this.#text,
      usage: completeUsage(this.#usage),
      stopReason: this.#stopReason,
      model: this.#model,
      ...(extras.requestId === undefined ? {} : { requestId: extras.requestId }),
      ...(extras.http === undefined ? {} : { http: extras.http }),
    };
  }

  #addText(text: string): ChatStreamEvent[] {
    this.#text += text;
    return [{ type: "text", text }];
  }

  #addUsage(usage: Parameters<typeof partialUsage>[0]): ChatStreamEvent[] {
    const update = partialUsage(usage);
    if (Object.keys(update).length === 0) return [];
    this.#usage = { ...this.#usage, ...update };
    return [{ type: "usage", usage: { ...this.#usage } }];
  }
}
