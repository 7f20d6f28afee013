import Anthropic from "@anthropic-ai/sdk";
import PQueue from "p-queue";
import {
  type CompetitorParams,
  type CompetitorResult,
  countTokensWarmUp,
  drive,
  messageBody,
} from "./common.js";

/**
 * p-queue with an interval cap, as its documentation suggests for rate-limited APIs: at most
 * `requestsPerMinute` starts per (provider) minute, strict (sliding window), plus the concurrency cap.
 * It counts requests only; the SDK retries 429s.
 */
export function run(params: CompetitorParams): Promise<CompetitorResult> {
  const client = new Anthropic({ baseURL: params.url, apiKey: params.apiKey });
  const queue =
    params.requestsPerMinute === undefined
      ? new PQueue({ concurrency: params.concurrency })
      : new PQueue({
          concurrency: params.concurrency,
          intervalCap: params.requestsPerMinute,
          interval: params.minuteMs,
          strict: true,
        });
  return drive(
    params,
    () => countTokensWarmUp(client, params),
    (prompt, signal) =>
      queue.add(() => {
        signal.throwIfAborted();
        return client.messages.create(messageBody(params, prompt), { signal });
      }),
  );
}
