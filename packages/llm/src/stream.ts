import { ConnectionError } from "./errors.js";
import type { ChatResponse, ChatStreamEvent, Usage } from "./model.js";

/**
 * Reads a stream to its end and returns the final response (from its `done` event).
 * A stream that ends without `done` was cut short: that is a `ConnectionError` (retryable).
 *
 * @example
 * const response = await collectStream(model.stream(request), (text) => process.stdout.write(text));
 */
export async function collectStream(
  events: AsyncIterable<ChatStreamEvent>,
  onText?: (text: string) => void,
): Promise<ChatResponse> {
  let text = "";
  let usage: Partial<Usage> = {};
  for await (const event of events) {
    if (event.type === "text") {
      text += event.text;
      onText?.(event.text);
    } else if (event.type === "usage") {
      usage = { ...usage, ...event.usage };
    } else if (event.type === "done") {
      return event.response;
    }
  }
  throw new ConnectionError({
    message:
      `The stream ended without a final "done" event after ${text.length} characters ` +
      `(usage so far: ${JSON.stringify(usage)}). The connection was probably cut; retry the call.`,
  });
}

/**
 * The events a streaming call would have produced for a response obtained in one piece; for
 * adapters whose provider cannot stream.
 */
export async function* streamOfResponse(
  response: ChatResponse | Promise<ChatResponse>,
): AsyncGenerator<ChatStreamEvent> {
  const resolved = await response;
  if (resolved.text !== "") yield { type: "text", text: resolved.text };
  yield { type: "usage", usage: resolved.usage };
  yield { type: "done", response: resolved };
}

/**
 * A one-producer, one-consumer queue of stream events. The producer pushes and finally ends or
 * fails it; the consumer iterates. Used where a stream must be produced inside a callback (a
 * limiter's task) but consumed outside it.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffered: T[] = [];
  private waiting:
    | { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }
    | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private readonly onCancel: (() => void) | undefined;

  /** `onCancel` runs when the consumer stops iterating early (break / return). */
  constructor(onCancel?: () => void) {
    this.onCancel = onCancel;
  }

  push(value: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else {
      this.buffered.push(value);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting && this.buffered.length === 0) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    if (this.waiting && this.buffered.length === 0) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      reject(error);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const value = this.buffered.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.failure) {
          const { error } = this.failure;
          this.failure = undefined;
          return Promise.reject(error);
        }
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = { resolve, reject };
        });
      },
      return: () => {
        const wasOpen = !this.ended;
        this.ended = true;
        this.buffered.length = 0;
        this.failure = undefined;
        if (wasOpen) this.onCancel?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
