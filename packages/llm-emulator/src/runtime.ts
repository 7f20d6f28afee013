import type { RateLimitBuckets } from "./buckets.js";
import type { FaultInjector } from "./faults.js";
import type { LatencyModel } from "./latency.js";
import type { ResolvedOptions } from "./options.js";
import type { IdGenerator } from "./prng.js";
import type { StatsRecorder } from "./stats.js";

/** The live state every endpoint handler works with; owned by the server. */
export interface Runtime {
  /** The options in force (they change with `configure`). */
  options(): ResolvedOptions;
  /** The emulator's base URL ("http://127.0.0.1:PORT"). */
  url(): string;
  /** Wall-clock ms; buckets, latencies and batch timestamps all use it. */
  clock(): number;
  readonly stats: StatsRecorder;
  /** Requests, input-token and output-token buckets of the Anthropic API. */
  readonly anthropicBuckets: RateLimitBuckets;
  /** Requests and tokens buckets of the OpenAI-compatible API. */
  readonly openaiBuckets: RateLimitBuckets;
  readonly faults: FaultInjector;
  readonly latency: LatencyModel;
  readonly ids: IdGenerator;
}
