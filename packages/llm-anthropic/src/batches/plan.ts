import { InvalidRequestError } from "@sluice/llm";

/** The Message Batches API's limits per batch. */
export interface BatchLimits {
  /** Requests per batch. API maximum 100,000. */
  readonly maxRequests: number;
  /** Bytes of the JSON body of one create call. API maximum 256 MB. */
  readonly maxBytes: number;
}

export const MESSAGE_BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 };

// Room for what the size count below does not see (HTTP framing is not part of the body, but a
// proxy may re-encode; 64 KiB out of 256 MB costs nothing).
const BYTES_MARGIN = 64 * 1024;

/** `{"requests":[` + `]}` around the comma-separated entries. */
const ENVELOPE_BYTES = Buffer.byteLength('{"requests":[]}');

/** A contiguous range of request indices sent as one batch: `start` included, `end` excluded. */
export interface BatchRange {
  readonly start: number;
  readonly end: number;
}

/** Limits with defaults filled in, checked against the API's maxima. */
export function resolveLimits(limits: Partial<BatchLimits> | undefined): BatchLimits {
  const maxRequests = limits?.maxRequests ?? MESSAGE_BATCH_LIMITS.maxRequests;
  const maxBytes = limits?.maxBytes ?? MESSAGE_BATCH_LIMITS.maxBytes;
  if (
    !(Number.isInteger(maxRequests) && maxRequests >= 1 && maxRequests <= MESSAGE_BATCH_LIMITS.maxRequests)
  ) {
    throw new InvalidRequestError(
      `limits.maxRequests must be a whole number from 1 to 100,000 (got ${String(maxRequests)}).`,
    );
  }
  if (
    !(Number.isInteger(maxBytes) && maxBytes > ENVELOPE_BYTES && maxBytes <= MESSAGE_BATCH_LIMITS.maxBytes)
  ) {
    throw new InvalidRequestError(
      `limits.maxBytes must be a whole number of bytes up to 256 MB (got ${String(maxBytes)}).`,
    );
  }
  return { maxRequests, maxBytes };
}

/**
 * Splits `entrySizes` (the JSON byte size of each `{custom_id, params}` entry), from index `from`
 * on, into ranges that each fit one create call: at most `maxRequests` entries and `maxBytes` of body.
 *
 * @example
 * planBatches([10, 10, 10], 0, { maxRequests: 2, maxBytes: 1000 }) // → [{ start: 0, end: 2 }, { start: 2, end: 3 }]
 */
export function planBatches(entrySizes: readonly number[], from: number, limits: BatchLimits): BatchRange[] {
  const budget =
    limits.maxBytes === MESSAGE_BATCH_LIMITS.maxBytes ? limits.maxBytes - BYTES_MARGIN : limits.maxBytes;
  const ranges: BatchRange[] = [];
  let start = from;
  let bytes = ENVELOPE_BYTES;
  for (let index = from; index < entrySizes.length; index++) {
    const size = entrySizes[index] as number;
    if (ENVELOPE_BYTES + size > budget) {
      throw new InvalidRequestError(
        `requests[${index}] is ${size} bytes as JSON, more than fits in one Message Batch (${budget} bytes); shorten it or send it with generate().`,
      );
    }
    const count = index - start;
    const added = size + (count > 0 ? 1 : 0);
    if (count >= limits.maxRequests || bytes + added > budget) {
      ranges.push({ start, end: index });
      start = index;
      bytes = ENVELOPE_BYTES + size;
    } else {
      bytes += added;
    }
  }
  if (start < entrySizes.length) ranges.push({ start, end: entrySizes.length });
  return ranges;
}
