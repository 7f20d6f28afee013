/**
 * `@sluice/llm/testing`: the conformance kit every adapter runs against @sluice/llm-emulator, and
 * the helpers adapter tests share (a scripted loopback server for wire cases the emulator has no
 * fault for, error capture, a compressed clock). See "Writing an adapter" in the README.
 */
export { ConformanceError, expectLlmError } from "./testing/assert.js";
export { conformanceChecks } from "./testing/checks.js";
export { compressedClock, type TestClock } from "./testing/clock.js";
export {
  type ConsumerCompileResult,
  type ConsumerProject,
  type ConsumerResolution,
  compileConsumer,
} from "./testing/consumer-types.js";
export { caughtLlmError, printedForms } from "./testing/failures.js";
export { type FaultProxy, type ProxyFault, startFaultProxy } from "./testing/fault-proxy.js";
export {
  ARTICLE,
  CONFORMANCE_API_KEY,
  collectEvents,
  DEFAULT_CONFORMANCE_MODEL_ID,
  SHORT_PROMPT,
  userRequest,
} from "./testing/fixtures.js";
export { type RecordingLimiter, recordingLimiter } from "./testing/recording-limiter.js";
export {
  type ConformanceReport,
  type ConformanceResult,
  describeConformance,
  runConformance,
} from "./testing/run.js";
export {
  type RecordedRequest,
  type ScriptedEvent,
  type ScriptedResponse,
  type ScriptedServer,
  startScriptedServer,
} from "./testing/scripted-server.js";
export type {
  CheckContext,
  ConformanceCheck,
  ConformanceCheckId,
  ConformanceEmulator,
  ConformanceEmulatorStats,
  ConformanceOptions,
  ConformanceTestApi,
  CreateModelOptions,
  FaultKind,
  StartEmulator,
} from "./testing/types.js";
