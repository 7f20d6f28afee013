export { CHAT_OPERATION, GEN_AI, GENERAL, SLUICE, WORKFLOW_OPERATION } from "./attributes.js";
export { errorType } from "./errors.js";
export { type TraceFlowOptions, traceFlow } from "./flow-tracer.js";
export { type TraceModelOptions, traceModel } from "./model-tracer.js";
export { INSTRUMENTATION_SCOPE } from "./tracer.js";
