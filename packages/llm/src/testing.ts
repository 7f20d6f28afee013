/**
 * `@sluice/llm/testing`: the conformance kit every adapter runs against @sluice/llm-emulator.
 * See "Writing an adapter" in the README.
 */
export { ConformanceError, expectLlmError } from "./testing/assert.js";
export { conformanceChecks } from "./testing/checks.js";
export {
  ARTICLE,
  CONFORMANCE_API_KEY,
  DEFAULT_CONFORMANCE_MODEL_ID,
  SHORT_PROMPT,
} from "./testing/fixtures.js";
export {
  type ConformanceReport,
  type ConformanceResult,
  describeConformance,
  runConformance,
} from "./testing/run.js";
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
