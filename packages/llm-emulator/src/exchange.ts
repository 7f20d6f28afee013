import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { Runtime } from "./runtime.js";

export type Protocol = "anthropic" | "openai";

export type BodyResult =
  | { readonly ok: true; readonly value: unknown; readonly bytes: number }
  | { readonly ok: false; readonly status: 400 | 413; readonly message: string };

/** Thrown by `wait` when the client went away or the server is closing; handlers just stop. */
export class ExchangeAborted extends Error {
  constructor() {
    super("The client disconnected or the emulator is closing.");
    this.name = "ExchangeAborted";
  }
}

/**
 * One HTTP request and its response, with what every endpoint needs: the body as JSON, the
 * request-id, JSON and SSE responses, waits that stop when the client disconnects, and the
 * bookkeeping of model requests (in-flight gauge, statuses).
 */
export class Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly protocol: Protocol;
  readonly requestId: string;
  readonly #runtime: Runtime;
  readonly #model: boolean;
  readonly #controller = new AbortController();

  constructor(
    runtime: Runtime,
    request: IncomingMessage,
    response: ServerResponse,
    protocol: Protocol,
    model: boolean,
  ) {
    this.#runtime = runtime;
    this.request = request;
    this.response = response;
    this.protocol = protocol;
    this.#model = model;
    this.url = new URL(request.url ?? "/", "http://emulator.invalid");
    this.requestId = runtime.ids.next(protocol === "anthropic" ? "req_011" : "req_");
    if (model) runtime.stats.arrived();
    response.once("close", () => {
      if (model) runtime.stats.departed();
      this.#controller.abort();
    });
  }

  /** Aborted when the client disconnects, the response ends, or the server closes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The client is still there and nothing has ended the response. */
  get open(): boolean {
    return !this.#controller.signal.aborted && !this.response.writableEnded;
  }

  abort(): void {
    this.#controller.abort();
  }

  header(name: string): string | undefined {
    const value = this.request.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  /** The key from `x-api-key` or `Authorization: Bearer …`. */
  apiKey(): string | undefined {
    const direct = this.header("x-api-key");
    if (direct) return direct;
    const match = /^Bearer\s+(.+)$/i.exec(this.header("authorization") ?? "");
    return match?.[1]?.trim();
  }

  /** The origin clients reached us at, for absolute URLs such as a batch's `results_url`. */
  origin(fallback: string): string {
    const host = this.header("host");
    return host ? `http://${host}` : fallback;
  }

  /** Reads and parses the JSON body, refusing more than `maxBytes`. */
  async readJson(maxBytes: number): Promise<BodyResult> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of this.request) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > maxBytes) {
          return {
            ok: false,
            status: 413,
            message: `Request exceeds the maximum allowed size of ${maxBytes} bytes.`,
          };
        }
        chunks.push(buffer);
      }
    } catch {
      throw new ExchangeAborted();
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (text.trim() === "")
      return { ok: false, status: 400, message: "The request body is empty; send a JSON object." };
    try {
      return { ok: true, value: JSON.parse(text), bytes: size };
    } catch (error) {
      return {
        ok: false,
        status: 400,
        message: `The request body is not valid JSON: ${(error as Error).message}`,
      };
    }
  }

  /** Headers every response of this protocol carries: the request id, unless headers are off. */
  baseHeaders(): Record<string, string> {
    if (!this.#runtime.options().rateLimitHeaders) return {};
    return this.protocol === "anthropic"
      ? { "request-id": this.requestId }
      : { "x-request-id": this.requestId };
  }

  sendJson(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.sendText(status, "application/json", JSON.stringify(body), headers);
  }

  sendText(status: number, contentType: string, text: string, headers: OutgoingHttpHeaders = {}): void {
    if (!this.open) return;
    this.response.end(this.#writeHead(status, contentType, text, headers));
  }

  /**
   * Starts a response of `text` but sends only its first half, then resets the connection: a body
   * cut mid-answer, the way a dropped connection looks to the client.
   */
  sendTruncated(status: number, contentType: string, text: string, headers: OutgoingHttpHeaders = {}): void {
    if (!this.open) return;
    const payload = this.#writeHead(status, contentType, text, headers);
    this.response.write(payload.subarray(0, Math.floor(payload.length / 2)));
    this.cut();
  }

  /**
   * Closes the connection mid-response once what was written has gone out (a FIN, not a reset, so
   * the client reads the partial answer before it fails on the missing end).
   */
  cut(): void {
    this.request.socket.end();
    this.#controller.abort();
  }

  /** Sends HTTP 200 with SSE headers; then `sendEvent`/`sendData`, and `end`. */
  startStream(headers: OutgoingHttpHeaders = {}): void {
    if (!this.open) return;
    this.#recordStatus(200);
    this.response.writeHead(200, {
      ...this.baseHeaders(),
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    this.response.flushHeaders();
  }

  /** An Anthropic-style event (`event:` + `data:` lines). */
  sendEvent(event: string, data: unknown): void {
    this.writeRaw(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** An OpenAI-style event (`data:` line only). */
  sendData(data: unknown): void {
    this.writeRaw(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
  }

  writeRaw(text: string): void {
    if (this.open) this.response.write(text);
  }

  end(): void {
    if (this.open) this.response.end();
  }

  /** Drops the connection without an HTTP response, the way a reset looks to the client. */
  destroy(): void {
    this.request.socket.resetAndDestroy();
    this.#controller.abort();
  }

  /** Waits `ms` real milliseconds; throws `ExchangeAborted` if the client leaves meanwhile. */
  async wait(ms: number): Promise<void> {
    if (this.signal.aborted) throw new ExchangeAborted();
    if (!(ms > 0)) return;
    try {
      await delay(ms, undefined, { signal: this.signal });
    } catch {
      throw new ExchangeAborted();
    }
  }

  /** Waits until the real time `deadline` (ms, as `Runtime.clock`). */
  async waitUntil(deadline: number): Promise<void> {
    const remaining = deadline - this.#runtime.clock();
    // Sub-millisecond waits are rounded into the next write; timers cannot do better anyway.
    if (remaining >= 1) await this.wait(remaining);
    else if (this.signal.aborted) throw new ExchangeAborted();
  }

  /** Counts the status and sends the head of a response whose whole body is `text`; returns that body. */
  #writeHead(status: number, contentType: string, text: string, headers: OutgoingHttpHeaders): Buffer {
    this.#recordStatus(status);
    const payload = Buffer.from(text, "utf8");
    this.response.writeHead(status, {
      ...this.baseHeaders(),
      ...headers,
      "content-type": contentType,
      "content-length": payload.length,
    });
    return payload;
  }

  #recordStatus(status: number): void {
    if (this.#model) this.#runtime.stats.status(status);
  }
}
