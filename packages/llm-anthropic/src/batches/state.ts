import { createHash } from "node:crypto";
import { InvalidRequestError } from "@sluice/llm";
import { isValidCustomId } from "./custom-ids.js";
import type { BatchRange } from "./plan.js";

/** One submitted batch: its id and the requests (by input index) it carries. */
export interface SubmittedBatch extends BatchRange {
  readonly id: string;
}

/**
 * Everything needed to pick a run up again after a restart: plain JSON, to be persisted by the
 * caller (`JSON.stringify(state)`) as soon as `onSubmitted` hands it over.
 */
export interface MessageBatchesState {
  readonly version: 1;
  /** Identifies the requests (their custom ids and params); resuming with other requests fails. */
  readonly fingerprint: string;
  /** The `custom_id` of each request, in input order. */
  readonly customIds: readonly string[];
  /** Batches created so far, in input order; together they cover requests 0 … last `end` - 1. */
  readonly batches: readonly SubmittedBatch[];
  /** Whether every request has been submitted. */
  readonly complete: boolean;
}

/** A short stable digest of the entries as they will be sent. */
export function fingerprintOf(serializedEntries: readonly string[]): string {
  const hash = createHash("sha256");
  for (const entry of serializedEntries) hash.update(entry).update("\n");
  return hash.digest("hex").slice(0, 32);
}

/**
 * Checks a saved state (the object, or its JSON text) and returns it typed; throws
 * `InvalidRequestError` saying what is wrong with it.
 */
export function parseState(value: unknown): MessageBatchesState {
  let state = value;
  if (typeof state === "string") {
    try {
      state = JSON.parse(state);
    } catch {
      throw invalid("it is not valid JSON");
    }
  }
  if (typeof state !== "object" || state === null) throw invalid("it is not an object");
  const record = state as Record<string, unknown>;
  if (record.version !== 1) throw invalid(`its version is ${JSON.stringify(record.version)}, expected 1`);
  if (typeof record.fingerprint !== "string" || record.fingerprint === "")
    throw invalid("`fingerprint` is missing");
  if (!Array.isArray(record.customIds) || !record.customIds.every(isValidCustomId)) {
    throw invalid("`customIds` must be an array of valid custom ids");
  }
  if (new Set(record.customIds).size !== record.customIds.length) throw invalid("`customIds` has duplicates");
  if (!Array.isArray(record.batches)) throw invalid("`batches` must be an array");
  let next = 0;
  for (const [index, batch] of record.batches.entries()) {
    const b = batch as Partial<SubmittedBatch> | null;
    if (typeof b !== "object" || b === null || typeof b.id !== "string" || b.id === "") {
      throw invalid(`batches[${index}] needs an \`id\``);
    }
    if (
      b.start !== next ||
      !Number.isInteger(b.end) ||
      (b.end as number) <= b.start ||
      (b.end as number) > record.customIds.length
    ) {
      throw invalid(`batches[${index}] must cover the requests right after the previous batch`);
    }
    next = b.end as number;
  }
  if (typeof record.complete !== "boolean") throw invalid("`complete` must be a boolean");
  if (record.complete && next !== record.customIds.length)
    throw invalid("it is marked complete but does not cover every request");
  return state as MessageBatchesState;
}

/** Index of the first request not yet in a submitted batch. */
export function submittedUpTo(state: MessageBatchesState): number {
  return state.batches.at(-1)?.end ?? 0;
}

function invalid(reason: string): InvalidRequestError {
  return new InvalidRequestError(
    `The saved Message Batches state cannot be resumed: ${reason}. Pass the object that onSubmitted received (or its JSON).`,
  );
}
