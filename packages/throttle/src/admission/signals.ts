import type { AbortSignalLike } from "../abort-signal.js";
/** The fields a job carries to sit in its signal's list. */
export interface Watched<J> {
  watchPrev: J | undefined;
  watchNext: J | undefined;
}

/**
 * One abort listener per signal, however many jobs share it. A batch usually passes the same signal
 * to thousands of jobs; a listener per job would trip Node's MaxListenersExceededWarning and make
 * every removal a linear scan of the signal's listener list. Each signal keeps its jobs in an
 * intrusive list, so adding and removing a job is O(1) and allocates nothing.
 */
export class AbortWatch<J extends Watched<J>> {
  private readonly watches = new Map<AbortSignalLike, SignalWatch<J>>();

  /** `onAbort` receives every job of the signal at once, so it can remove them all before admitting again. */
  constructor(private readonly onAbort: (jobs: readonly J[]) => void) {}

  add(signal: AbortSignalLike, job: J): void {
    let watch = this.watches.get(signal);
    if (watch === undefined) {
      watch = new SignalWatch(this.onAbort);
      this.watches.set(signal, watch);
      signal.addEventListener("abort", watch, { once: true });
    }
    job.watchNext = undefined;
    job.watchPrev = watch.tail;
    if (watch.tail === undefined) watch.head = job;
    else watch.tail.watchNext = job;
    watch.tail = job;
    watch.size++;
  }

  delete(signal: AbortSignalLike, job: J): void {
    const watch = this.watches.get(signal);
    if (watch === undefined) return;
    if (job.watchPrev === undefined) {
      if (watch.head !== job) return; // not in this list
      watch.head = job.watchNext;
    } else {
      job.watchPrev.watchNext = job.watchNext;
    }
    if (job.watchNext === undefined) watch.tail = job.watchPrev;
    else job.watchNext.watchPrev = job.watchPrev;
    job.watchPrev = undefined;
    job.watchNext = undefined;
    if (--watch.size > 0) return;
    this.watches.delete(signal);
    signal.removeEventListener("abort", watch);
  }

  /** How many distinct signals are watched. */
  get size(): number {
    return this.watches.size;
  }
}

class SignalWatch<J extends Watched<J>> {
  head: J | undefined;
  tail: J | undefined;
  size = 0;

  constructor(private readonly onAbort: (jobs: readonly J[]) => void) {}

  handleEvent(): void {
    // Aborting a job removes it from this list, so hand over a copy. All of them go in one call:
    // removing them one by one would let an admission pass in between start a later job of the
    // same, already aborted, signal.
    const jobs: J[] = [];
    for (let job = this.head; job !== undefined; job = job.watchNext) jobs.push(job);
    this.onAbort(jobs);
  }
}
