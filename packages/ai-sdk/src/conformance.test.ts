import { createAnthropic } from "@ai-sdk/anthropic";
import { describeConformance } from "@sluice/llm/testing";
import { startEmulator } from "@sluice/llm-emulator";
import { afterAll, beforeAll, describe, it } from "vitest";
import { fromAiSdk } from "./index.js";

// The @sluice/llm adapter kit against a real AI SDK provider package, over real HTTP to the emulator.
describeConformance({
  name: "ai-sdk (@ai-sdk/anthropic)",
  test: { describe, it, beforeAll, afterAll },
  startEmulator: () => startEmulator(),
  createModel: (url, { apiKey, modelId }) =>
    fromAiSdk(createAnthropic({ baseURL: `${url}/v1`, apiKey })(modelId)),
});
