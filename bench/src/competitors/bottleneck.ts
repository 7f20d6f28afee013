import Anthropic from "@anthropic-ai/sdk";
import Bottleneck from "bottleneck";
import {
  type CompetitorParams,
  type CompetitorResult,
  countTokensWarmUp,
  drive,
  messageBody,
} from "./common.js";

/** Bottleneck checks its reservoir on a 250 ms heartbeat; in provider time, that is 250 / k real ms. */
const HEARTBEAT_PROVIDER_MS = 250;

/**
 * bottleneck with a reservoir refilled every (provider) minute and maxConcurrent, as its "Reservoir
 * Intervals" documentation shows. It counts requests only; the SDK retries 429s.
 */
export function run(params: CompetitorParams): Promise<CompetitorResult> {
  const client = new Anthropic({ baseURL: params.url, apiKey: params.apiKey });
  const perMinute = params.requestsPerMinute;
  const options: Bottleneck.ConstructorOptions & { heartbeatInterval?: number } =
    perMinute === undefined
      ? { maxConcurrent: params.concurrency }
      : {
          maxConcurrent: params.concurrency,
          reservoir: perMinute,
          reservoirRefreshAmount: perMinute,
          reservoirRefreshInterval: params.minuteMs,
          heartbeatInterval: Math.max(1, Math.round(HEARTBEAT_PROVIDER_MS / params.timeScale)),
        };
  const limiter = new Bottleneck(options);
  return drive(
    params,
    () => countTokensWarmUp(client, params),
    (prompt, signal) =>
      limiter.schedule(() => {
        signal.throwIfAborted();
        return client.messages.create(messageBody(params, prompt), { signal });
      }),
  ).finally(() => limiter.disconnect());
}
