import Anthropic from "@anthropic-ai/sdk";
import { withLimiter } from "@sluice/llm";
import { createAnthropicModel } from "@sluice/llm-anthropic";
import { Throttle, type ThrottleOptions } from "@sluice/throttle";
import { RedisThrottleStore } from "@sluice/throttle-redis";
import { type CompetitorParams, type CompetitorResult, countTokensWarmUp, drive } from "./common.js";
import { providerClock, providerTimeFetch, providerTimeStore } from "./provider-time.js";

/**
 * Attempts per request, retries included. The README example says 4; on the faults workloads about
 * one attempt in five fails, and 4 attempts would lose one request in 700 (0.19⁴), so 8.
 */
const MAX_ATTEMPTS = 8;

/**
 * Sluice as its READMEs show it: a Throttle with the concurrency cap and the known limits (none when
 * they are unknown: it learns them from headers), owning retries; the Anthropic adapter behind
 * `withLimiter`, which reserves input and max_tokens, refunds from real usage and feeds headers back.
 * With `sharedQuota`, its buckets live in Redis, shared with the other processes of the batch.
 */
export async function run(params: CompetitorParams): Promise<CompetitorResult> {
  const clock = providerClock(params.timeScale);
  const options: ThrottleOptions = {
    concurrency: params.concurrency,
    ...(params.told ?? {}),
    ...(params.burstSeconds === undefined ? {} : { burstSeconds: params.burstSeconds }),
    retry: { maxAttempts: MAX_ATTEMPTS },
    clock,
  };
  const shared = params.sharedQuota;
  const store =
    shared === undefined
      ? undefined
      : await RedisThrottleStore.connect({
          url: shared.url,
          quota: shared.quota,
          ...(shared.concurrency === undefined ? {} : { concurrency: shared.concurrency }),
        });
  const throttle = new Throttle(
    store === undefined ? options : { ...options, store: providerTimeStore(store, params.timeScale) },
  );
  const client = new Anthropic({
    baseURL: params.url,
    apiKey: params.apiKey,
    maxRetries: 0,
    fetch: providerTimeFetch(params.timeScale, clock),
  });
  const model = withLimiter(createAnthropicModel({ client, model: params.model }), throttle);
  const result = await drive(
    params,
    () => countTokensWarmUp(client, params),
    (prompt, signal) =>
      model.generate({ messages: [{ role: "user", content: prompt }], maxTokens: params.maxTokens, signal }),
  );
  const stats = throttle.stats();
  await throttle.close();
  await store?.close();
  return {
    ...result,
    client: {
      limits: Object.fromEntries(
        Object.entries(stats.buckets).map(([name, bucket]) => [
          name,
          { perMinute: bucket.perMinute, learned: bucket.learned },
        ]),
      ),
      attempts: stats.attempts,
      retries: stats.retries,
      rateLimited: stats.rateLimited,
      quotaExhausted: stats.quotaExhausted,
    },
  };
}
