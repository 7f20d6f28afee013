/** What one core run measures; shared by the parent and the two implementations' child modules. */
export interface CoreCase {
  /** "loop": one node visited `size` times through a self-loop; "batch": ParallelBatchNode over `size` items. */
  readonly shape: "loop" | "batch";
  readonly size: number;
  /** Batch items from an array built by prep (as pocketflow requires) or pulled from a generator. */
  readonly source: "array" | "generator";
  /** Sluice only: most items in flight (the sliding window); undefined = unbounded, as pocketflow. */
  readonly concurrency?: number;
  /** A small unmeasured run first, so both start with warm code. */
  readonly warmup: number;
}

export interface CoreSample {
  readonly wallMs: number;
  /** Steps visited, or items whose result reached post: checks both did the same work. */
  readonly units: number;
}

/** The items of a batch run, as an array or lazily. */
export function batchItems(size: number, source: CoreCase["source"]): Iterable<number> {
  if (source === "array") return Array.from({ length: size }, (_, index) => index);
  return (function* () {
    for (let index = 0; index < size; index++) yield index;
  })();
}

/** Times `body` with the monotonic clock. */
export async function timed(body: () => Promise<number>): Promise<CoreSample> {
  const started = performance.now();
  const units = await body();
  return { wallMs: performance.now() - started, units };
}
