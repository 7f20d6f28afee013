// An AI SDK model in a Sluice flow: @ai-sdk/anthropic, called by a ParallelBatchNode through a
// Throttle. Runs offline against the emulator; set ANTHROPIC_API_KEY (and drop the emulator) for Claude.
import { createAnthropic } from "@ai-sdk/anthropic";
import { fromAiSdk } from "@sluice/ai-sdk";
import { ParallelBatchNode } from "@sluice/core";
import { callLlm } from "@sluice/llm";
import { startEmulator } from "@sluice/llm-emulator";
import { Throttle } from "@sluice/throttle";

const emu = await startEmulator({ limits: { requestsPerMinute: 50, outputTokensPerMinute: 8_000 } });
const anthropic = createAnthropic({ baseURL: `${emu.url}/v1`, apiKey: "test" });
const model = fromAiSdk(anthropic("claude-haiku-4-5"));
const throttle = new Throttle({ concurrency: 4, retry: true });

class Summarize extends ParallelBatchNode {
  async prep(shared) {
    return shared.texts;
  }
  async exec(text) {
    return callLlm(`Summarize: ${text}`, { model, limiter: throttle, maxTokens: 200 });
  }
  async post(shared, _texts, summaries) {
    shared.summaries = summaries;
  }
}

const shared = {
  texts: [
    "The harbour froze in January for the first time in forty years. Ferries stopped. Children skated to the island.",
    "Deltas form where rivers slow down. Silt builds new land. Dams upstream starve them of sediment.",
  ],
};
await new Summarize({ concurrency: 4 }).run(shared);
console.log(shared.summaries);
await throttle.close();
await emu.close();
