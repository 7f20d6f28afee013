/** What `post` returns to choose the next node; undefined, null and "" all mean "default". */
export type Action = string;

/** A settled outcome per batch item when `failFast` is false, shaped like `Promise.allSettled`'s. */
export type Settled<T> = PromiseSettledResult<T>;
