import type { ChatModel } from "../model.js";

/** The faults the emulator can inject (see @sluice/llm-emulator). */
export type FaultKind =
  | "rate_limit"
  | "overloaded"
  | "server_error"
  | "midstream_overloaded"
  | "connection_reset"
  | "malformed_json"
  | "spend_cap"
  | "ramp_limit"
  | "authentication"
  | "permission"
  | "invalid_request"
  | "context_length"
  | "not_found"
  | "slow"
  | "insufficient_quota";

/** Ground-truth counters the kit reads from the emulator. */
export interface ConformanceEmulatorStats {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * The part of @sluice/llm-emulator's handle the kit uses. Declared here (with method syntax, so
 * the real, richer types fit) because @sluice/llm must not depend on the emulator.
 */
export interface ConformanceEmulator {
  readonly url: string;
  stats(): ConformanceEmulatorStats;
  configure(options: {
    readonly latency?: { readonly firstTokenMs?: number; readonly perOutputTokenMs?: number };
    readonly limits?: {
      readonly requestsPerMinute?: number;
      readonly inputTokensPerMinute?: number;
      readonly outputTokensPerMinute?: number;
    };
  }): void;
  failNext(kind: FaultKind, options?: { readonly count?: number; readonly retryAfterSeconds?: number }): void;
  reset(): void;
  close(): Promise<void>;
}

/** `startEmulator` from @sluice/llm-emulator, or anything with the same shape. */
export type StartEmulator = () => Promise<ConformanceEmulator>;

/** The test functions of the runner (vitest, or anything with the same shape). */
export interface ConformanceTestApi {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>, timeout?: number): unknown;
  beforeAll(body: () => Promise<void>, timeout?: number): unknown;
  afterAll(body: () => Promise<void>, timeout?: number): unknown;
}

/** What `createModel` gets besides the emulator's URL. */
export interface CreateModelOptions {
  /** A key the emulator accepts. The kit checks that it never appears in error messages. */
  readonly apiKey: string;
  /** The model id to send. */
  readonly modelId: string;
}

export interface ConformanceOptions {
  /** Shown in test names, e.g. "anthropic". */
  readonly name: string;
  /**
   * Builds the adapter under test, pointed at the emulator. `url` is the emulator's root
   * ("http://127.0.0.1:PORT"): the Anthropic base URL as is; add "/v1" for OpenAI-style clients.
   * Without an emulator `url` is "" and the model must work without a server.
   */
  createModel(url: string, options: CreateModelOptions): ChatModel | Promise<ChatModel>;
  /** Starts the emulator; leave it out to run only the checks that need no server. */
  readonly startEmulator?: StartEmulator;
  /** Model id passed to `createModel`. Default "claude-haiku-4-5". */
  readonly modelId?: string;
  /** Checks that do not apply to this adapter, each with the reason (shown as skipped). */
  readonly skip?: Readonly<Partial<Record<ConformanceCheckId, string>>>;
  /** Per-check time limit in ms. Default 30,000. */
  readonly checkTimeoutMs?: number;
}

export interface CheckContext {
  readonly model: ChatModel;
  /** The adapter under test pointed at another server (a fault proxy, a closed port), same key and model id. */
  createModelAt(url: string): Promise<ChatModel>;
  /** Present for checks that need the server. */
  readonly emulator: ConformanceEmulator | undefined;
  readonly apiKey: string;
}

export interface ConformanceCheck {
  readonly id: ConformanceCheckId;
  readonly title: string;
  /** Whether the check needs the emulator (most do: faults, ground truth, headers). */
  readonly needsEmulator: boolean;
  run(context: CheckContext): Promise<void>;
}

export type ConformanceCheckId =
  | "interface"
  | "text"
  | "usage-ground-truth"
  | "streaming"
  | "stop-end-turn"
  | "stop-max-tokens"
  | "stop-sequence"
  | "http-headers"
  | "error-rate-limit"
  | "error-ramp-limit"
  | "error-overloaded"
  | "error-server"
  | "error-authentication"
  | "error-permission"
  | "error-invalid-request"
  | "error-context-length"
  | "error-not-found"
  | "error-spend-cap"
  | "error-insufficient-quota"
  | "error-connection-reset"
  | "fault-connection-refused"
  | "fault-reset-before-response"
  | "fault-reset-after-response-head"
  | "fault-stream-cut"
  | "error-malformed-json"
  | "error-midstream-overloaded"
  | "stream-errors"
  | "transport-retries-zero"
  | "abort-before-send"
  | "abort-in-flight"
  | "abort-mid-stream"
  | "timeout"
  | "invalid-request-locally";
