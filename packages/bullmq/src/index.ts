export { describeConnection, type RedisConnection } from "./connection.js";
export {
  NotSerializableError,
  PayloadTooLargeError,
  RedisUnreachableError,
  type RemoteErrorInfo,
  RemoteExecError,
  RunInUseError,
  UnknownNodeError,
  WorkerLostError,
} from "./errors.js";
export { DEFAULT_MAX_PAYLOAD_BYTES } from "./json.js";
export type { NodeSource } from "./registry.js";
export { BullmqRunner, type DistributeOptions, type RunnerOptions } from "./runner.js";
export { type SluiceWorker, startWorker, type WorkerOptions } from "./worker.js";
