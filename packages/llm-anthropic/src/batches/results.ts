import type Anthropic from "@anthropic-ai/sdk";
import {
  AbortedError,
  type ChatResponse,
  type LlmError,
  RequestTimeoutError,
  ServerError,
} from "@sluice/llm";
import { batchLineError, PROVIDER } from "../errors.js";
import { toChatResponse } from "../response.js";

/** One request's outcome, in the shape of `Promise.allSettled`, plus how to find it again. */
export type BatchOutcome =
  | {
      readonly status: "fulfilled";
      readonly value: ChatResponse;
      readonly customId: string;
      readonly key?: string;
    }
  | {
      readonly status: "rejected";
      readonly reason: LlmError;
      readonly customId: string;
      readonly key?: string;
    };

/**
 * The outcome of one results line: `succeeded` → the response; `errored` → the typed error of its
 * error body (an `invalid_request_error` is `InvalidRequestError`, an `api_error` a retryable
 * `ServerError`, …); `canceled` → `AbortedError`; `expired` → `RequestTimeoutError` (retryable: the
 * request was never processed).
 */
export function outcomeOfLine(
  line: Anthropic.Messages.MessageBatchIndividualResponse,
  batchId: string,
  secret: string | undefined,
): BatchOutcome {
  const customId = line.custom_id;
  const result = line.result;
  switch (result.type) {
    case "succeeded":
      return { status: "fulfilled", value: toChatResponse(result.message), customId };
    case "errored":
      return { status: "rejected", reason: batchLineError(result.error, secret), customId };
    case "canceled":
      return {
        status: "rejected",
        reason: new AbortedError({
          provider: PROVIDER,
          message: `Message Batch ${batchId} was canceled before request ${customId} was processed; submit it again if you still need it.`,
        }),
        customId,
      };
    case "expired":
      return {
        status: "rejected",
        reason: new RequestTimeoutError({
          provider: PROVIDER,
          message: `Message Batch ${batchId} expired (24 h) before request ${customId} was processed; submit it again, perhaps in a smaller batch.`,
        }),
        customId,
      };
    default:
      return {
        status: "rejected",
        reason: new ServerError({
          provider: PROVIDER,
          message: `Message Batch ${batchId} returned an unknown result type ${JSON.stringify((result as { type?: unknown }).type)} for request ${customId}; update @sluice/llm-anthropic.`,
        }),
        customId,
      };
  }
}

/** The outcome of a request that has no line in its batch's results. */
export function missingOutcome(customId: string, batchId: string): BatchOutcome {
  return {
    status: "rejected",
    reason: new ServerError({
      provider: PROVIDER,
      message: `Message Batch ${batchId} ended without a result for request ${customId}; submit it again.`,
    }),
    customId,
  };
}
