import type { Table } from "../../harness/table.js";

/** What every section of `pnpm bench distributed` gets: a private redis-server, shared by all. */
export interface DistributedContext {
  readonly smoke: boolean;
  readonly rounds: number;
  readonly log: (line: string) => void;
  /** redis://127.0.0.1:<port> */
  readonly redisUrl: string;
}

export interface SectionResult {
  readonly tables: readonly Table[];
  readonly settings?: Record<string, unknown>;
  readonly results: unknown;
}

/**
 * One part of the distributed benchmark. The shared-quota comparison and the Redis store's admission
 * cost are two; the BullMQ workers' measurements (kill -9 exactly-once, 2 workers vs 1 on CPU-heavy
 * items) join as further sections in DISTRIBUTED_SECTIONS (suites/distributed.ts).
 */
export interface DistributedSection {
  readonly id: string;
  run(context: DistributedContext): Promise<SectionResult>;
}
