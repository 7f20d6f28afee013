import { createAnthropic } from "@ai-sdk/anthropic";
import { sluiceMiddleware } from "@sluice/ai-sdk";
import { Throttle } from "@sluice/throttle";
import { generateText, type LanguageModel, wrapLanguageModel } from "ai";
import { type CompetitorParams, type CompetitorResult, drive } from "../../competitors/common.js";
import { providerClock, providerTimeFetch } from "../../competitors/provider-time.js";

/** Which AI SDK setup a child runs. */
export type AiSdkClient = "plain" | "middleware-headers" | "middleware-told";

export interface AiSdkParams extends CompetitorParams {
  readonly client: AiSdkClient;
}

/** Attempts per request when the throttle owns retries, as in the throttle's README. */
const MAX_ATTEMPTS = 4;

/**
 * N concurrent `generateText` calls through `@ai-sdk/anthropic` to the emulator. "plain" is the AI
 * SDK as documented: every call at once, its own retries (maxRetries 2, honouring retry-after).
 * The middleware clients add one line, `sluiceMiddleware(throttle)`, with the throttle owning
 * retries (maxRetries 0) and running in provider time, like every Sluice contender in the bench.
 */
export async function run(params: AiSdkParams): Promise<CompetitorResult> {
  const clock = providerClock(params.timeScale);
  const throttle =
    params.client === "plain"
      ? undefined
      : new Throttle({
          concurrency: params.concurrency,
          ...(params.client === "middleware-told" ? (params.told ?? {}) : {}),
          ...(params.burstSeconds === undefined ? {} : { burstSeconds: params.burstSeconds }),
          retry: { maxAttempts: MAX_ATTEMPTS },
          clock,
        });
  const anthropic = createAnthropic({
    baseURL: `${params.url}/v1`,
    apiKey: params.apiKey,
    // The throttle lives in provider time, so it reads retry-after and resets in provider time;
    // the plain AI SDK waits in real time and reads them as the emulator sends them.
    ...(throttle === undefined ? {} : { fetch: providerTimeFetch(params.timeScale, clock) }),
  });
  const base = anthropic(params.model);
  const model: LanguageModel =
    throttle === undefined
      ? base
      : wrapLanguageModel({ model: base, middleware: sluiceMiddleware(throttle) });
  const warmUp = () =>
    fetch(`${params.url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: {
        "x-api-key": params.apiKey,
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({ model: params.model, messages: [{ role: "user", content: "Warm up." }] }),
    }).then((response) => response.text());
  try {
    const result = await drive(params, warmUp, (prompt, signal) =>
      generateText({
        model,
        prompt,
        maxOutputTokens: params.maxTokens,
        maxRetries: throttle === undefined ? 2 : 0,
        abortSignal: signal,
      }),
    );
    const stats = throttle?.stats();
    return stats === undefined
      ? result
      : {
          ...result,
          client: { attempts: stats.attempts, retries: stats.retries, rateLimited: stats.rateLimited },
        };
  } finally {
    await throttle?.close();
  }
}
