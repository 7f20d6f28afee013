import { describeConformance } from "@sluice/llm/testing";
import { startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createOpenAICompatibleModel } from "./index.js";

// The @sluice/llm adapter kit, against the emulator's OpenAI-compatible endpoint over real HTTP.
describeConformance({
  name: "openai",
  test: { describe, it, beforeAll, afterAll },
  startEmulator: () => startEmulator(),
  createModel: (url, { apiKey, modelId }) =>
    createOpenAICompatibleModel({ baseURL: `${url}/v1`, apiKey, model: modelId }),
  modelId: "gpt-emulated",
  // Checks written for Anthropic's wire shapes that OpenAI-compatible servers cannot satisfy. What
  // they stand for is tested in model.test.ts and errors.test.ts with the OpenAI shapes instead.
  skip: {
    "stop-sequence":
      'OpenAI\'s finish_reason "stop" does not say whether a stop sequence or the model ended the answer, ' +
      'so it maps to "end_turn" (vLLM\'s stop_reason does, and maps to "stop_sequence"); the cut text is tested in model.test.ts',
    "error-ramp-limit":
      "OpenAI has no acceleration limit: the emulator answers ramp_limit with a plain 429 rate_limit_exceeded " +
      "(a RateLimitError, tested as such), never the error code ramp_limit_exceeded",
    "error-overloaded":
      "the check expects Anthropic's 529 overloaded_error; OpenAI-compatible servers answer 503 (server_error), " +
      "which maps to OverloadedError (errors.test.ts tests 503 and 529)",
  },
});
