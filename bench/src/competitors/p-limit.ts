import Anthropic from "@anthropic-ai/sdk";
import pLimit from "p-limit";
import {
  type CompetitorParams,
  type CompetitorResult,
  countTokensWarmUp,
  drive,
  messageBody,
} from "./common.js";

/** p-limit caps concurrency (all it does, per its documentation); the SDK retries 429s. */
export function run(params: CompetitorParams): Promise<CompetitorResult> {
  const client = new Anthropic({ baseURL: params.url, apiKey: params.apiKey });
  const limit = pLimit(params.concurrency);
  return drive(
    params,
    () => countTokensWarmUp(client, params),
    (prompt, signal) =>
      limit(() => {
        signal.throwIfAborted();
        return client.messages.create(messageBody(params, prompt), { signal });
      }),
  );
}
