import type { ItemSource } from "./items.js";
import { ResultSlots } from "./results.js";
import type { Scope } from "./scope.js";
import type { Settled } from "./types.js";

export interface WindowOptions {
  /** Most items in flight at once; Infinity starts them all. */
  readonly concurrency: number;
  /** Reject on the first failure and abort the rest, or collect one settled outcome per item. */
  readonly failFast: boolean;
  /** The batch's scope: aborting it stops the window; the window aborts it on a fail-fast failure. */
  readonly scope: Scope;
  readonly onProgress?: (progress: WindowProgress) => void;
}

export interface WindowProgress {
  readonly done: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly total: number | undefined;
}

/**
 * Runs `worker` over the items with at most `concurrency` in flight, as a sliding window: a new item
 * starts the moment one finishes (not in chunks), and items are pulled from the source only then,
 * so memory stays flat however long a lazy source is. Results come back in input order.
 */
export function runWindow<T, R>(
  source: ItemSource<T>,
  worker: (item: T, index: number) => Promise<R>,
  options: WindowOptions,
): Promise<R[] | Settled<R>[]> {
  const { concurrency, failFast, scope, onProgress } = options;
  const { iterator, isAsync, total } = source;
  const results = new ResultSlots<R | Settled<R>>(total);

  return new Promise((resolve, reject) => {
    let started = 0;
    let inFlight = 0;
    let done = 0;
    let failed = 0;
    let exhausted = false;
    let pulling = false;
    let settled = false;

    const report = onProgress
      ? () => onProgress({ done, failed, inFlight, total: total ?? (exhausted ? started : undefined) })
      : undefined;

    const finish = (error?: unknown, isError = false) => {
      if (settled) return;
      settled = true;
      stopListening();
      if (isError) {
        // Stop siblings still running and release what the source holds (open files, generators).
        scope.abort(error);
        if (!exhausted) closeQuietly(iterator);
        reject(error);
      } else {
        resolve(results.toArray(started) as R[] | Settled<R>[]);
      }
    };
    const stopListening = scope.onAbort((reason) => finish(reason, true));

    const onFulfilled = (index: number, value: R) => {
      inFlight--;
      done++;
      results.set(index, failFast ? value : { status: "fulfilled", value });
      report?.();
      pump();
    };
    const onRejected = (index: number, reason: unknown) => {
      inFlight--;
      done++;
      failed++;
      report?.();
      if (failFast) return finish(reason, true);
      results.set(index, { status: "rejected", reason });
      pump();
    };
    // Under fail-fast a rejection needs no index: one handler serves every item, so an uncapped
    // batch of a million holds one closure per item rather than two.
    const onFailFast = (reason: unknown) => onRejected(-1, reason);

    const start = (item: T) => {
      const index = started++;
      inFlight++;
      let pending: Promise<R>;
      try {
        pending = worker(item, index);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => onFulfilled(index, value),
        failFast ? onFailFast : (reason) => onRejected(index, reason),
      );
      report?.();
    };

    const pump = (): void => {
      if (settled || pulling) return;
      if (!isAsync) {
        try {
          const sync = iterator as Iterator<T>;
          while (!settled && !exhausted && inFlight < concurrency) {
            const next = sync.next();
            if (next.done) exhausted = true;
            else start(next.value);
          }
        } catch (error) {
          exhausted = true;
          finish(error, true);
          return;
        }
        if (exhausted && inFlight === 0) finish();
        return;
      }
      pullAsync();
    };

    const pullAsync = async () => {
      pulling = true;
      try {
        const async = iterator as AsyncIterator<T>;
        while (!settled && !exhausted && inFlight < concurrency) {
          const next = await async.next();
          if (settled) return;
          if (next.done) exhausted = true;
          else start(next.value);
        }
      } catch (error) {
        exhausted = true;
        return finish(error, true);
      } finally {
        pulling = false;
      }
      if (exhausted && inFlight === 0) finish();
    };

    if (scope.aborted) return finish(scope.reason, true);
    pump();
  });
}

function closeQuietly(iterator: Iterator<unknown> | AsyncIterator<unknown>): void {
  try {
    const closing = iterator.return?.();
    if (closing && typeof (closing as Promise<unknown>).then === "function") {
      (closing as Promise<unknown>).catch(() => {});
    }
  } catch {
    // The source failed to close; the batch has already failed with the error that matters.
  }
}
