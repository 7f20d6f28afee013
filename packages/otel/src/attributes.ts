/**
 * Attribute names of the OpenTelemetry GenAI semantic conventions (client inference spans, status
 * "development"), defined here as `@opentelemetry/semantic-conventions` advises for moved
 * conventions, and Sluice's own facts under `sluice.*`.
 */
export const GEN_AI = {
  OPERATION_NAME: "gen_ai.operation.name",
  PROVIDER_NAME: "gen_ai.provider.name",
  REQUEST_MODEL: "gen_ai.request.model",
  REQUEST_MAX_TOKENS: "gen_ai.request.max_tokens",
  REQUEST_STOP_SEQUENCES: "gen_ai.request.stop_sequences",
  RESPONSE_ID: "gen_ai.response.id",
  RESPONSE_MODEL: "gen_ai.response.model",
  RESPONSE_FINISH_REASONS: "gen_ai.response.finish_reasons",
  USAGE_INPUT_TOKENS: "gen_ai.usage.input_tokens",
  USAGE_OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  USAGE_CACHE_READ_INPUT_TOKENS: "gen_ai.usage.cache_read.input_tokens",
  USAGE_CACHE_WRITE_INPUT_TOKENS: "gen_ai.usage.cache_write.input_tokens",
  WORKFLOW_NAME: "gen_ai.workflow.name",
} as const;

/** General OpenTelemetry attributes the GenAI spans carry. */
export const GENERAL = {
  ERROR_TYPE: "error.type",
  SERVER_ADDRESS: "server.address",
  SERVER_PORT: "server.port",
} as const;

export const SLUICE = {
  /** "flow" or "node". */
  KIND: "sluice.kind",
  RUN_ID: "sluice.run.id",
  /** The action a node or flow returned. */
  ACTION: "sluice.action",
  /** Index of the batch entry a span runs for. */
  BATCH_ITEM_INDEX: "sluice.batch.item_index",
  /** Time the call waited for admission by its limiter before its first attempt, in ms. */
  THROTTLE_WAIT_MS: "sluice.throttle.wait_ms",
  /** Attempts the call took in all (1 when it was not retried). */
  ATTEMPTS: "sluice.attempts",
  /** One attempt's number, from 1 (on retry events). */
  ATTEMPT: "sluice.attempt",
  /** Why the previous attempt was retried: its error code (`rate_limited`, `overloaded`, …). */
  RETRY_REASON: "sluice.retry.reason",
  /** How long a node waits before its next attempt (core retries), in ms. */
  RETRY_DELAY_MS: "sluice.retry.delay_ms",
  /** Whether the call streamed. */
  STREAM: "sluice.stream",
} as const;

/** The GenAI operation Sluice's chat models perform. */
export const CHAT_OPERATION = "chat";
/** The GenAI operation of a workflow span. */
export const WORKFLOW_OPERATION = "invoke_workflow";
