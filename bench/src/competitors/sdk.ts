import Anthropic from "@anthropic-ai/sdk";
import {
  type CompetitorParams,
  type CompetitorResult,
  countTokensWarmUp,
  drive,
  messageBody,
} from "./common.js";

/** How a competitor runs one SDK call: through its limiter, or at once. */
export type Schedule = (call: () => Promise<unknown>) => Promise<unknown>;

/**
 * The competitors that wrap the plain Anthropic SDK in a limiter: one client, the warm-up, and every
 * prompt sent through `schedule`. A call that starts after the deadline fired does not go out.
 * (Kept apart from common.ts so that children which never use the SDK do not load it.)
 */
export function driveSdk(params: CompetitorParams, schedule: Schedule): Promise<CompetitorResult> {
  const client = new Anthropic({ baseURL: params.url, apiKey: params.apiKey });
  return drive(
    params,
    () => countTokensWarmUp(client, params),
    (prompt, signal) =>
      schedule(async () => {
        signal.throwIfAborted();
        return client.messages.create(messageBody(params, prompt), { signal });
      }),
  );
}
