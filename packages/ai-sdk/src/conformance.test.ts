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
  // The AI SDK reports a body cut after the response head as a parse failure of a 200 response, with
  // nothing that tells it from a garbled answer; telling them apart needs progress the SDK hides.
  skip: {
    "fault-reset-after-response-head":
      "@ai-sdk/anthropic surfaces a reset after the response head as an unparseable 200 (server_error), not a connection failure",
    "fault-stream-cut":
      "@ai-sdk/anthropic surfaces a cut stream as a stream parse error (server_error), not a connection failure",
  },
});
