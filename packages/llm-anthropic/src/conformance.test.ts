import { describeConformance } from "@sluice/llm/testing";
import { startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createAnthropicModel } from "./index.js";

// The @sluice/llm adapter kit, against the real emulator over real HTTP through the real SDK.
describeConformance({
  name: "anthropic",
  test: { describe, it, beforeAll, afterAll },
  startEmulator: () => startEmulator(),
  createModel: (url, { apiKey, modelId }) => createAnthropicModel({ baseURL: url, apiKey, model: modelId }),
});
