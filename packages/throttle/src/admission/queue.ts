/**
 * The waiting room: one FIFO lane per priority, as intrusive doubly linked lists (a job is its own
 * list node), so enqueue, dequeue and removal on abort are O(1) and a queued job costs one object.
 */

/** The fields a job carries to sit in a lane. */
export interface LaneEntry<J> {
  prev: J | undefined;
  next: J | undefined;
  lane: Lane<J> | undefined;
  readonly priority: number;
  /** When the job first joined the queue; aging counts from here. */
  readonly enqueuedAt: number;
  readonly amounts: readonly number[];
}

export class Lane<J> {
  head: J | undefined;
  tail: J | undefined;
  size = 0;
  /** Sum of the queued jobs' amounts, by slot (for deadline estimates). */
  readonly totals: Float64Array;

  constructor(
    readonly priority: number,
    dimensions: number,
  ) {
    this.totals = new Float64Array(dimensions);
  }
}

/**
 * Priority lanes with aging. The next job is the head of the lane whose head has the highest
 * effective priority, `priority + waited / agingMs`: a job gains one priority level per `agingMs`
 * spent waiting, so low-priority work is delayed, never starved.
 */
export class PriorityLanes<J extends LaneEntry<J>> {
  /** Non-empty lanes, highest priority first. */
  readonly lanes: Lane<J>[] = [];
  private readonly byPriority = new Map<number, Lane<J>>();
  size = 0;

  constructor(
    private readonly dimensions: number,
    private readonly agingMs: number,
  ) {}

  pushBack(job: J): void {
    const lane = this.laneFor(job.priority);
    job.lane = lane;
    job.next = undefined;
    job.prev = lane.tail;
    if (lane.tail === undefined) lane.head = job;
    else lane.tail.next = job;
    lane.tail = job;
    this.added(lane, job);
  }

  /** Puts a job back at the front of its lane (a retry has already waited its turn once). */
  pushFront(job: J): void {
    const lane = this.laneFor(job.priority);
    job.lane = lane;
    job.prev = undefined;
    job.next = lane.head;
    if (lane.head === undefined) lane.tail = job;
    else lane.head.prev = job;
    lane.head = job;
    this.added(lane, job);
  }

  /** Takes `job` out of its lane; a job that is not queued is left alone. */
  remove(job: J): void {
    const lane = job.lane;
    if (lane === undefined) return;
    if (job.prev === undefined) lane.head = job.next;
    else job.prev.next = job.next;
    if (job.next === undefined) lane.tail = job.prev;
    else job.next.prev = job.prev;
    job.prev = undefined;
    job.next = undefined;
    job.lane = undefined;
    lane.size--;
    this.size--;
    if (lane.size === 0) {
      this.byPriority.delete(lane.priority);
      this.lanes.splice(this.lanes.indexOf(lane), 1);
      return;
    }
    const totals = lane.totals;
    const amounts = job.amounts;
    for (let slot = 0; slot < totals.length; slot++) totals[slot]! -= amounts[slot]!;
  }

  /** The job that should run next, by effective priority (ties: higher priority, then lane order). */
  select(now: number): J | undefined {
    const lanes = this.lanes;
    if (lanes.length === 1) return lanes[0]!.head;
    let best: J | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const lane of lanes) {
      const head = lane.head!;
      const score =
        lane.priority +
        (this.agingMs === Number.POSITIVE_INFINITY ? 0 : (now - head.enqueuedAt) / this.agingMs);
      if (score > bestScore) {
        bestScore = score;
        best = head;
      }
    }
    return best;
  }

  /** Writes into `out` the summed amounts of jobs queued at `priority` or above. */
  totalsAtOrAbove(priority: number, out: Float64Array): Float64Array {
    out.fill(0);
    for (const lane of this.lanes) {
      if (lane.priority < priority) break;
      for (let slot = 0; slot < out.length; slot++) out[slot]! += Math.max(0, lane.totals[slot]!);
    }
    return out;
  }

  /** Empties every lane and returns the jobs that were in them, in no particular order. */
  clear(): J[] {
    const jobs: J[] = [];
    for (const lane of this.lanes) {
      for (let job = lane.head; job !== undefined; ) {
        const next: J | undefined = job.next;
        job.prev = undefined;
        job.next = undefined;
        job.lane = undefined;
        jobs.push(job);
        job = next;
      }
    }
    this.lanes.length = 0;
    this.byPriority.clear();
    this.size = 0;
    return jobs;
  }

  private laneFor(priority: number): Lane<J> {
    let lane = this.byPriority.get(priority);
    if (lane === undefined) {
      lane = new Lane<J>(priority, this.dimensions);
      this.byPriority.set(priority, lane);
      let index = 0;
      while (index < this.lanes.length && this.lanes[index]!.priority > priority) index++;
      this.lanes.splice(index, 0, lane);
    }
    return lane;
  }

  private added(lane: Lane<J>, job: J): void {
    lane.size++;
    this.size++;
    const totals = lane.totals;
    const amounts = job.amounts;
    for (let slot = 0; slot < totals.length; slot++) totals[slot]! += amounts[slot]!;
  }
}
