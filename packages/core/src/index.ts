export type { AbortSignalLike, SignalOf } from "./abort-signal.js";
export { BatchFlow, BatchNode } from "./batch.js";
export type { RunContext, RunOptions } from "./context.js";
export {
  AbortError,
  ExecTimeoutError,
  InvalidArgumentError,
  MaxStepsExceededError,
  SluiceError,
  TimeoutError,
} from "./errors.js";
export type {
  EndEvent,
  EventBase,
  EventListener,
  ProgressEvent,
  RetryEvent,
  SluiceEvent,
  StartEvent,
} from "./events.js";
export { Flow } from "./flow.js";
export type { BatchItems } from "./items.js";
export type {
  Limiter,
  LimiterCost,
  LimiterRunOptions,
  LimiterTaskContext,
  LimiterUsage,
} from "./limiter.js";
export { getDefaultLogger, type Logger, setDefaultLogger } from "./logger.js";
export { toMermaid } from "./mermaid.js";
export { BaseNode, isNode, Node } from "./node.js";
export type {
  BatchFlowOptions,
  BatchNodeOptions,
  FlowOptions,
  NodeOptions,
  ParallelBatchFlowOptions,
  ParallelBatchNodeOptions,
} from "./options.js";
export { ParallelBatchFlow, ParallelBatchNode } from "./parallel.js";
export type { BackoffOptions, RetryOptions } from "./retry.js";
export { isRetryable, retryAfterMs } from "./retry.js";
export type { Action, Settled } from "./types.js";
