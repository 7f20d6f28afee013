import Anthropic from "@anthropic-ai/sdk";
import {
  type CompetitorParams,
  type CompetitorResult,
  countTokensWarmUp,
  drive,
  messageBody,
} from "./common.js";

/** Every request at once; the SDK's own retries (maxRetries 2, honouring retry-after) handle 429s. */
export function run(params: CompetitorParams): Promise<CompetitorResult> {
  const client = new Anthropic({ baseURL: params.url, apiKey: params.apiKey });
  return drive(
    params,
    () => countTokensWarmUp(client, params),
    (prompt, signal) => client.messages.create(messageBody(params, prompt), { signal }),
  );
}
