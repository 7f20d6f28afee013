import type { Reservation } from "./admission.js";
import type { Exchange } from "./exchange.js";
import type { InjectedFault } from "./faults.js";
import { LatencyModel, type LatencyPlan } from "./latency.js";
import type { Runtime } from "./runtime.js";
import { type Completion, chunkText, countTokens } from "./text.js";

/** How one vendor's SSE stream says each step; `playStream` decides when, and which faults happen. */
export interface StreamDialect {
  /** The first event(s), before any text (the stream's headers are already sent). */
  start(): void;
  /** A first text event cut in half (the malformed_json fault): write it raw with `exchange.writeRaw`. */
  malformed(firstChunk: string): void;
  /** Events between the start and the first text, when the stream goes on. */
  beforeText?(): void;
  delta(chunk: string): void;
  /** The vendor's error event for the midstream_overloaded fault. */
  overloaded(): void;
  /** The closing events, after the whole answer (`exchange.end()` follows). */
  finish(): void;
}

export interface StreamedAnswer {
  readonly completion: Completion;
  readonly plan: LatencyPlan;
  readonly fault: InjectedFault | undefined;
}

/**
 * Streams `answer` paced by its latency plan, with the stream faults (malformed first event, an
 * overloaded error or a cut halfway, a reset after the full answer), and settles the reservation
 * with the tokens the client was sent: all of them once the answer was generated in full.
 */
export async function playStream(
  runtime: Runtime,
  exchange: Exchange,
  answer: StreamedAnswer,
  reservation: Reservation,
  dialect: StreamDialect,
): Promise<void> {
  const { completion, plan, fault } = answer;
  const start = runtime.clock();
  let sentChars = 0;
  let finished = false;
  try {
    dialect.start();
    const chunks = chunkText(completion.text);
    if (fault?.kind === "malformed_json") {
      runtime.stats.current.malformed++;
      dialect.malformed(chunks[0] ?? "");
      exchange.end();
      return;
    }
    dialect.beforeText?.();
    const midstream = fault?.kind === "midstream_overloaded";
    const cut = fault?.kind === "stream_cut";
    const cutoff = midstream || cut ? Math.ceil(chunks.length / 2) : chunks.length;
    for (const chunk of chunks.slice(0, cutoff)) {
      await exchange.waitUntil(
        start + plan.firstTokenMs + plan.perTokenMs * countTokens(completion.text.slice(0, sentChars)),
      );
      dialect.delta(chunk);
      sentChars += chunk.length;
    }
    if (midstream) {
      runtime.stats.current.midStreamErrors++;
      dialect.overloaded();
      exchange.end();
      return;
    }
    if (cut) {
      runtime.stats.current.streamsCut++;
      exchange.cut();
      return;
    }
    await exchange.waitUntil(start + LatencyModel.total(plan, completion.outputTokens));
    finished = true;
    if (fault?.kind === "reset_after_answer") {
      // Generated in full and charged, then lost: the client never sees the end of the stream.
      runtime.stats.current.resetsAfterAnswer++;
      exchange.destroy();
      return;
    }
    dialect.finish();
    exchange.end();
  } finally {
    reservation.settle(finished ? completion.outputTokens : countTokens(completion.text.slice(0, sentChars)));
  }
}
