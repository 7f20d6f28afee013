export { isApiCallError, toLlmError } from "./errors.js";
export { type SluiceMiddlewareOptions, sluiceMiddleware } from "./middleware.js";
export { type FromAiSdkOptions, fromAiSdk } from "./model.js";
export { type AiSdkLanguageModel, isAiSdkLanguageModel, toUsage } from "./spec.js";
