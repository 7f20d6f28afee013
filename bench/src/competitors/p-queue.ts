import PQueue from "p-queue";
import type { CompetitorParams, CompetitorResult } from "./common.js";
import { driveSdk } from "./sdk.js";

/**
 * p-queue with an interval cap, as its documentation suggests for rate-limited APIs: at most
 * `requestsPerMinute` starts per (provider) minute, strict (sliding window), plus the concurrency cap.
 * It counts requests only; the SDK retries 429s.
 */
export function run(params: CompetitorParams): Promise<CompetitorResult> {
  const queue =
    params.requestsPerMinute === undefined
      ? new PQueue({ concurrency: params.concurrency })
      : new PQueue({
          concurrency: params.concurrency,
          intervalCap: params.requestsPerMinute,
          interval: params.minuteMs,
          strict: true,
        });
  return driveSdk(params, (call) => queue.add(call));
}
