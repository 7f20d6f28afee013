// A throttled generateText: Sluice's token-aware limiting for plain AI SDK code, in one line.
import { createAnthropic } from "@ai-sdk/anthropic";
import { sluiceMiddleware } from "@sluice/ai-sdk";
import { compressedClock } from "@sluice/llm/testing";
import { startEmulator } from "@sluice/llm-emulator";
import { Throttle } from "@sluice/throttle";
import { generateText, wrapLanguageModel } from "ai";

// Tight limits (a provider minute lasts 1 s here): without the throttle, 20 calls at once get 429s.
const emu = await startEmulator({
  limits: { requestsPerMinute: 20, outputTokensPerMinute: 2_000 },
  timeScale: 60,
});
const anthropic = createAnthropic({ baseURL: `${emu.url}/v1`, apiKey: "test" });
// The throttle keeps time with the emulator (drop `clock` against a real provider).
const throttle = new Throttle({ concurrency: 8, retry: { maxAttempts: 4 }, clock: compressedClock(60) });

const model = wrapLanguageModel({
  model: anthropic("claude-haiku-4-5"),
  middleware: sluiceMiddleware(throttle),
});
const results = await Promise.all(
  Array.from({ length: 20 }, (_, i) =>
    // maxRetries: 0 because the throttle owns retries (it waits out retry-after itself).
    generateText({
      model,
      prompt: `Summarize: Ferry ${i} crosses the bay at dawn. Gulls follow it.`,
      maxOutputTokens: 100,
      maxRetries: 0,
    }),
  ),
);
console.log(results.length, "answers;", emu.stats().rateLimited, "429s from the provider");
await throttle.close();
await emu.close();
