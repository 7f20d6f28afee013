import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BatchStore } from "./anthropic/batches.js";
import { sendAnthropicError } from "./anthropic/errors.js";
import { handleCountTokens, handleMessages } from "./anthropic/messages.js";
import { RateLimitBuckets } from "./buckets.js";
import { EmulatorStartError, InvalidOptionError } from "./errors.js";
import { Exchange, ExchangeAborted, type Protocol } from "./exchange.js";
import { type FailNextOptions, FaultInjector } from "./faults.js";
import { LatencyModel } from "./latency.js";
import { handleChatCompletions } from "./openai/chat.js";
import { sendOpenAiError } from "./openai/errors.js";
import {
  type EmulatorOptions,
  type FaultKind,
  mergeOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./options.js";
import { IdGenerator } from "./prng.js";
import type { Runtime } from "./runtime.js";
import { type EmulatorStats, StatsRecorder } from "./stats.js";

/** A running emulator. */
export interface Emulator {
  /** "http://127.0.0.1:PORT": the Anthropic SDK's baseURL; add "/v1" for the OpenAI SDK. */
  readonly url: string;
  readonly port: number;
  /** The options in force (defaults filled in). */
  readonly options: ResolvedOptions;
  /** Ground-truth counters, as a copy. */
  stats(): EmulatorStats;
  /** Changes limits, faults, latency, time scale, headers mode… while running; nested objects merge. */
  configure(options: Partial<EmulatorOptions>): void;
  /** The next `count` model requests get fault `kind` (queued behind earlier `failNext` calls). */
  failNext(kind: FaultKind, options?: FailNextOptions): void;
  /** Counters to zero, buckets full, `failNext` queue emptied, random streams reseeded. Batches stay. */
  reset(): void;
  /** Stops listening, cuts open connections and ends pending waits. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1 (a free port unless `port` is given).
 *
 * @example
 * import Anthropic from "@anthropic-ai/sdk";
 * const emu = await startEmulator({ limits: { requestsPerMinute: 50 }, timeScale: 60 });
 * const client = new Anthropic({ baseURL: emu.url, apiKey: "test" });
 * const message = await client.messages.create({ model: "claude-x", max_tokens: 64,
 *   messages: [{ role: "user", content: "Cats sleep. Dogs bark." }] });
 * console.log(message.content, emu.stats().requests);
 * await emu.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const server = new EmulatorServer(resolveOptions(options));
  await server.listen();
  return server;
}

class EmulatorServer implements Emulator {
  #options: ResolvedOptions;
  readonly #runtime: Runtime;
  readonly #batches: BatchStore;
  readonly #server: Server;
  readonly #exchanges = new Set<Exchange>();
  #port = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    const clock = () => Date.now();
    const getOptions = () => this.#options;
    const limits = options.limits;
    const runtime: Runtime = {
      options: getOptions,
      clock,
      url: () => this.url,
      stats: new StatsRecorder(),
      anthropicBuckets: new RateLimitBuckets(anthropicLimits(limits), options.timeScale, clock),
      openaiBuckets: new RateLimitBuckets(openaiLimits(limits), options.timeScale, clock),
      faults: new FaultInjector(() => this.#options.faults, options.seed),
      latency: new LatencyModel(getOptions),
      ids: new IdGenerator(options.seed),
    };
    this.#runtime = runtime;
    this.#batches = new BatchStore(runtime);
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => this.#fail(response, error));
    });
  }

  get url(): string {
    const host = this.#options.host.includes(":") ? `[${this.#options.host}]` : this.#options.host;
    return `http://${host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get options(): ResolvedOptions {
    return this.#options;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        reject(
          new EmulatorStartError(
            `The emulator could not listen on ${this.#options.host}:${this.#options.port} (${error.message}); ` +
              "pick another port, or 0 for a free one.",
            { cause: error },
          ),
        );
      };
      this.#server.once("error", onError);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off("error", onError);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  stats(): EmulatorStats {
    return this.#runtime.stats.snapshot();
  }

  configure(patch: Partial<EmulatorOptions>): void {
    for (const key of ["port", "host"] as const) {
      if (patch[key] !== undefined && patch[key] !== this.#options[key]) {
        throw new InvalidOptionError(
          `\`${key}\` cannot change while the emulator runs; close it and start another.`,
        );
      }
    }
    const next = mergeOptions(this.#options, patch);
    const reseed = next.seed !== this.#options.seed;
    this.#options = next;
    if (reseed) {
      this.#runtime.faults.reseed(next.seed);
      this.#runtime.latency.reseed(next.seed);
    }
    this.#runtime.anthropicBuckets.reconfigure(anthropicLimits(next.limits), next.timeScale);
    this.#runtime.openaiBuckets.reconfigure(openaiLimits(next.limits), next.timeScale);
  }

  failNext(kind: FaultKind, options?: FailNextOptions): void {
    this.#runtime.faults.failNext(kind, options);
  }

  reset(): void {
    const runtime = this.#runtime;
    runtime.stats.reset();
    runtime.anthropicBuckets.fillAll();
    runtime.openaiBuckets.fillAll();
    runtime.faults.clear();
    runtime.faults.reseed(this.#options.seed);
    runtime.latency.reseed(this.#options.seed);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#batches.dispose();
      for (const exchange of this.#exchanges) exchange.abort();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const method = request.method ?? "GET";
    const route = routeOf(method, path);
    const exchange = new Exchange(this.#runtime, request, response, route.protocol, route.model);
    this.#exchanges.add(exchange);
    response.once("close", () => this.#exchanges.delete(exchange));
    try {
      if (route.name !== "info" && !this.#authorized(exchange)) {
        this.#unauthorized(exchange);
        return;
      }
      await this.#dispatch(route, exchange);
    } catch (error) {
      if (!(error instanceof ExchangeAborted)) throw error;
    }
  }

  async #dispatch(route: Route, exchange: Exchange): Promise<void> {
    const runtime = this.#runtime;
    const batches = this.#batches;
    switch (route.name) {
      case "messages":
        return handleMessages(runtime, exchange);
      case "count_tokens":
        return handleCountTokens(runtime, exchange);
      case "chat_completions":
        return handleChatCompletions(runtime, exchange);
      case "batch_create":
        return batches.create(exchange);
      case "batch_list":
        return batches.list(exchange);
      case "batch_retrieve":
        return batches.retrieve(exchange, route.id);
      case "batch_cancel":
        return batches.cancel(exchange, route.id);
      case "batch_delete":
        return batches.remove(exchange, route.id);
      case "batch_results":
        return batches.results(exchange, route.id);
      case "info":
        exchange.sendJson(200, {
          name: "@sluice/llm-emulator",
          anthropic: { baseURL: this.url },
          openai: { baseURL: `${this.url}/v1` },
          endpoints: ENDPOINTS,
        });
        return;
      case "unknown":
        if (exchange.protocol === "openai") {
          sendOpenAiError(exchange, 404, {
            message: `Unknown request URL: ${exchange.request.method} ${exchange.url.pathname}.`,
            type: "invalid_request_error",
            code: "unknown_url",
          });
        } else {
          sendAnthropicError(
            exchange,
            "not_found_error",
            `Not found: ${exchange.request.method} ${exchange.url.pathname}. The emulator serves: ${ENDPOINTS.join(", ")}.`,
          );
        }
        return;
    }
  }

  #authorized(exchange: Exchange): boolean {
    const keys = this.#options.apiKeys;
    if (keys === undefined) return true;
    const key = exchange.apiKey();
    return key !== undefined && keys.includes(key);
  }

  #unauthorized(exchange: Exchange): void {
    // The body may still be arriving; drain it so the connection stays usable.
    exchange.request.resume();
    if (exchange.protocol === "openai") {
      sendOpenAiError(exchange, 401, {
        message: "Incorrect API key provided. Pass one of the emulator's apiKeys as a Bearer token.",
        type: "invalid_request_error",
        code: "invalid_api_key",
      });
    } else {
      sendAnthropicError(
        exchange,
        "authentication_error",
        "invalid x-api-key: pass one of the emulator's apiKeys as x-api-key or Authorization: Bearer.",
      );
    }
  }

  #fail(response: ServerResponse, error: unknown): void {
    // A bug in the emulator must not look like a provider fault: say so plainly, as a 500.
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const message = `Emulator bug: ${error instanceof Error ? error.message : String(error)}`;
    response.writeHead(500, { "content-type": "application/json" });
    response.end(JSON.stringify({ type: "error", error: { type: "api_error", message }, request_id: null }));
  }
}

/** Every endpoint, for the 404 message and GET /. */
export const ENDPOINTS = [
  "POST /v1/messages",
  "POST /v1/messages/count_tokens",
  "POST /v1/messages/batches",
  "GET /v1/messages/batches",
  "GET /v1/messages/batches/:id",
  "POST /v1/messages/batches/:id/cancel",
  "DELETE /v1/messages/batches/:id",
  "GET /v1/messages/batches/:id/results",
  "POST /v1/chat/completions",
] as const;

type Route =
  | { name: "messages" | "count_tokens" | "chat_completions"; protocol: Protocol; model: boolean }
  | { name: "batch_create" | "batch_list" | "info" | "unknown"; protocol: Protocol; model: false }
  | {
      name: "batch_retrieve" | "batch_cancel" | "batch_delete" | "batch_results";
      protocol: Protocol;
      model: false;
      id: string;
    };

function routeOf(method: string, path: string): Route {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  if (method === "POST" && trimmed === "/v1/messages")
    return { name: "messages", protocol: "anthropic", model: true };
  if (method === "POST" && trimmed === "/v1/messages/count_tokens") {
    return { name: "count_tokens", protocol: "anthropic", model: false };
  }
  if (method === "POST" && trimmed === "/v1/chat/completions") {
    return { name: "chat_completions", protocol: "openai", model: true };
  }
  if (trimmed === "/v1/messages/batches") {
    if (method === "POST") return { name: "batch_create", protocol: "anthropic", model: false };
    if (method === "GET") return { name: "batch_list", protocol: "anthropic", model: false };
  }
  const batch = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/.exec(trimmed);
  if (batch) {
    const id = decodeURIComponent(batch[1] as string);
    const suffix = batch[2];
    if (suffix === undefined && method === "GET")
      return { name: "batch_retrieve", protocol: "anthropic", model: false, id };
    if (suffix === undefined && method === "DELETE")
      return { name: "batch_delete", protocol: "anthropic", model: false, id };
    if (suffix === "/cancel" && method === "POST")
      return { name: "batch_cancel", protocol: "anthropic", model: false, id };
    if (suffix === "/results" && method === "GET")
      return { name: "batch_results", protocol: "anthropic", model: false, id };
  }
  if (method === "GET" && trimmed === "/") return { name: "info", protocol: "anthropic", model: false };
  const openai =
    trimmed.startsWith("/v1/chat") ||
    trimmed.startsWith("/v1/completions") ||
    trimmed.startsWith("/v1/models");
  return { name: "unknown", protocol: openai ? "openai" : "anthropic", model: false };
}

function anthropicLimits(limits: ResolvedOptions["limits"]) {
  return {
    requests: limits.requestsPerMinute,
    inputTokens: limits.inputTokensPerMinute,
    outputTokens: limits.outputTokensPerMinute,
  };
}

function openaiLimits(limits: ResolvedOptions["limits"]) {
  return { requests: limits.requestsPerMinute, tokens: limits.tokensPerMinute };
}
