export { EmulatorError, EmulatorStartError, InvalidOptionError } from "./errors.js";
export type { FailNextOptions } from "./faults.js";
export {
  type EmulatorFaults,
  type EmulatorLatency,
  type EmulatorLimits,
  type EmulatorOptions,
  FAULT_KINDS,
  type FaultKind,
  type ResolvedOptions,
} from "./options.js";
export { type Emulator, ENDPOINTS, startEmulator } from "./server.js";
export type { BatchStats, EmulatorStats } from "./stats.js";
export { countTokens, summarize } from "./text.js";
