import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { BucketShape, BucketSnapshot, PauseReason, ThrottleStore } from "@sluice/throttle";
import type { Redis } from "ioredis";
import { connectClient, type QuotaClient, quotaPrefix } from "./connection.js";
import { LeasedBucket } from "./lease.js";
import { type RedisThrottleStoreOptions, type ResolvedStoreOptions, resolveStoreOptions } from "./options.js";
import { UpdateQueue } from "./updates.js";

/** While an exchange with Redis is under way, a waiting job is looked at again this soon at the latest. */
const ASKING_WAIT_MS = 50;
/** While Redis is unreachable; its return wakes admission at once. */
const OFFLINE_WAIT_MS = 500;
/** After an exchange failed while connected (a timeout), the next one waits this long. */
const RETRY_MS = 100;
/** A free concurrency slot is kept this long for the next job before it goes back to Redis. */
const SPARE_SLOT_MS = 25;
/** The most of a bucket's burst one process leases at a time, however fast it spends. */
const MAX_LEASE_SHARE = 0.25;
/** A lease sized to last this many round trips to Redis at the rate this process spends. */
const LEASE_ROUND_TRIPS = 3;
/** After another process asked for a slot and got none, slots released for this long go back at once. */
const YIELD_MS = 200;

/**
 * A `ThrottleStore` whose buckets live in Redis, shared by every process that names the same quota.
 * Admission stays synchronous: each process leases small batches of units and answers from them,
 * refills its lease in the background ahead of need, and gives back what it does not use when idle
 * or closing. The exchange is one Lua script that takes a whole cost vector all-or-nothing across
 * every bucket, with time from the Redis server. Refunds, charges, learned limits and 429 pauses are
 * shared; an optional concurrency cap spans every process, its slots leased with a TTL that a
 * heartbeat renews, so a killed process's slots expire.
 *
 * @example
 * const store = await RedisThrottleStore.connect({ url: "redis://127.0.0.1:6379", quota: "anthropic:team-key" });
 * const throttle = new Throttle({ concurrency: 50, requestsPerMinute: 4000, inputTokensPerMinute: 400_000, store });
 * // … run jobs …
 * await throttle.close();
 * await store.close();
 */
export class RedisThrottleStore implements ThrottleStore {
  /** This process's name in Redis (host, pid, and a random part). */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly buckets: (LeasedBucket | undefined)[] = [];
  private active: number[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly updates: UpdateQueue;
  private readonly prefix: string;
  // The next exchange: what a waiting job needs (all-or-nothing), and whether to refill ahead of need.
  private need: number[] | undefined;
  private prefetch = false;
  private exchangeScheduled = false;
  private exchanging = false;
  private exchangeAgain = false;
  // The shared concurrency cap: slots leased from Redis, and how many of them run a job now.
  private slotsHeld = 0;
  private slotsInUse = 0;
  private slotsWanted = 0;
  private lastSlotTakenAt = Number.NEGATIVE_INFINITY;
  private yieldUntil = Number.NEGATIVE_INFINITY;
  private spareTimer: NodeJS.Timeout | undefined;
  // The shared pause, in this process's monotonic ms.
  private pauseEndsAt = Number.NEGATIVE_INFINITY;
  private readonly heartbeat: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  /** Smoothed time of one exchange with Redis, in ms. */
  private roundTripMs = 1;

  /**
   * Connects to Redis and joins the quota: learns the buckets and the pause other processes have
   * set. Rejects with RedisUnreachableError within `connectTimeoutMs` when Redis cannot be reached.
   */
  static async connect(options: RedisThrottleStoreOptions): Promise<RedisThrottleStore> {
    const resolved = resolveStoreOptions(options);
    const client = await connectClient(resolved.url, resolved.connectTimeoutMs);
    let subscriber: Redis | undefined;
    try {
      subscriber = await connectClient(resolved.url, resolved.connectTimeoutMs);
      const store = new RedisThrottleStore(resolved, client, subscriber);
      await store.join();
      return store;
    } catch (error) {
      client.disconnect();
      subscriber?.disconnect();
      throw error;
    }
  }

  private constructor(
    private readonly options: ResolvedStoreOptions,
    private readonly client: QuotaClient,
    private readonly subscriber: Redis,
  ) {
    this.prefix = quotaPrefix(options.quota);
    this.updates = new UpdateQueue(client, this.prefix, () => this.ready);
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
    client.on("ready", () => this.reconnected());
  }

  /** Whether Redis answers now (admission then runs on the lease alone, and waits when it is spent). */
  get ready(): boolean {
    return this.client.status === "ready";
  }

  // ThrottleStore: admission, answered from the lease.

  define(slot: number, shape: BucketShape, _now: number, level?: number): void {
    this.localDefine(slot, shape);
    this.updates.define(slot, shape, level);
  }

  snapshot(slot: number, _now: number): BucketSnapshot | undefined {
    return this.buckets[slot]?.snapshot(performance.now());
  }

  maxCost(slot: number): number {
    return this.buckets[slot]?.maxCost ?? Number.POSITIVE_INFINITY;
  }

  waitMs(amounts: ArrayLike<number>, _now: number): number {
    const at = performance.now();
    let wait = 0;
    let short = false;
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount <= 0) continue;
      const bucket = this.buckets[slot]!;
      if (bucket.covers(amount)) continue;
      short = true;
      wait = Math.max(wait, bucket.waitMs(amount, at));
    }
    if (!short || wait > 0) return wait;
    // Redis may hold enough: ask, and let the answer wake admission (subscribe) before this wait ends.
    this.ask(amounts);
    return this.ready ? ASKING_WAIT_MS : OFFLINE_WAIT_MS;
  }

  tryTake(amounts: ArrayLike<number>, _now: number): boolean {
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount > 0 && !this.buckets[slot]!.covers(amount)) {
        this.ask(amounts);
        return false;
      }
    }
    this.take(amounts);
    return true;
  }

  tryTakeBeside(
    amounts: ArrayLike<number>,
    reserved: ArrayLike<number>,
    withinMs: number,
    _now: number,
  ): boolean {
    const at = performance.now();
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount <= 0) continue;
      const bucket = this.buckets[slot]!;
      if (!bucket.covers(amount)) return false;
      // The waiting job must still find its cost, in the lease or in Redis, when it is due.
      const shared = Math.min(bucket.sharedLevel(at), bucket.burst);
      const due = bucket.lease + shared + bucket.ratePerMs * withinMs;
      const needed = Math.min(reserved[slot] ?? 0, bucket.burst);
      if (amount > due - needed + 1e-9 * Math.max(1, amount)) return false;
    }
    this.take(amounts);
    return true;
  }

  adjust(slot: number, delta: number, _now: number): void {
    const bucket = this.buckets[slot];
    if (bucket === undefined || delta === 0) return;
    bucket.adjusting += delta;
    this.scheduleExchange();
  }

  lowerTo(slot: number, level: number, _now: number): boolean {
    const bucket = this.buckets[slot];
    if (bucket === undefined) return false;
    // The provider counts what this process leased too: a lease above what is left is already spent.
    if (bucket.lease > level) bucket.lease = Math.max(0, level);
    this.updates.lower(slot, bucket, level);
    // Not the provider's figure: Redis lowers the shared level later and only where it holds more, so
    // the running attempts' refunds of their estimates are still due (skipping them cost ITPM 15%).
    return false;
  }

  // No raiseTo: headroom one process reads in a response cannot count the calls other processes have
  // admitted since (the provider has not seen them yet), so spending it let 429s through in the
  // distributed benchmark; the shared quota keeps to the configured burst.

  // ThrottleStore: the hooks for stores shared by several processes.

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  sharePause(until: number, now: number, reason: PauseReason): void {
    const ms = Math.ceil(until - now);
    if (ms <= 0) return;
    this.pauseEndsAt = Math.max(this.pauseEndsAt, performance.now() + ms);
    if (!this.ready) return;
    this.client.sluicePause(this.prefix, String(ms), reason).catch(() => {
      // Redis went away: the other processes will meet the 429 themselves.
    });
  }

  pausedUntil(now: number): number | undefined {
    const left = this.pauseEndsAt - performance.now();
    return left > 0 ? now + left : undefined;
  }

  acquireSlot(_now: number): boolean {
    if (this.options.concurrency === undefined) return true;
    if (this.slotsInUse < this.slotsHeld) {
      this.slotsInUse++;
      this.lastSlotTakenAt = performance.now();
      return true;
    }
    // Ask for more than one, growing with what this process already runs, so a cap fills in few trips.
    this.slotsWanted = Math.max(this.slotsWanted, 2, Math.ceil(this.slotsHeld / 2));
    this.scheduleExchange();
    return false;
  }

  releaseSlot(_now: number): void {
    if (this.options.concurrency === undefined || this.slotsInUse === 0) return;
    this.slotsInUse--;
    if (performance.now() < this.yieldUntil) {
      this.scheduleExchange();
      return;
    }
    if (this.spareTimer === undefined) {
      this.spareTimer = setTimeout(() => {
        this.spareTimer = undefined;
        if (this.freeSlotsToReturn() > 0) this.scheduleExchange();
      }, SPARE_SLOT_MS);
      this.spareTimer.unref();
    }
  }

  /**
   * Gives back every unused lease and slot and leaves the quota, then disconnects. Close the
   * throttles that use this store first. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.leave();
    return this.closing;
  }

  // The exchange with Redis.

  private localDefine(slot: number, shape: BucketShape): LeasedBucket {
    const existing = this.buckets[slot];
    if (existing !== undefined) {
      existing.reshape(shape);
      return existing;
    }
    const bucket = new LeasedBucket(shape);
    this.buckets[slot] = bucket;
    this.active = [...this.active, slot].sort((a, b) => a - b);
    return bucket;
  }

  private take(amounts: ArrayLike<number>): void {
    const at = performance.now();
    for (const slot of this.active) {
      const amount = amounts[slot] ?? 0;
      if (amount <= 0) continue;
      const bucket = this.buckets[slot]!;
      bucket.take(amount, at);
      if (bucket.lease < this.batchOf(bucket) / 2 && bucket.sharedLevel(at) > 0) this.prefetch = true;
    }
    if (this.prefetch) this.scheduleExchange();
  }

  /**
   * How much to lease at once: `leaseShare` of the burst, or more when this process spends faster
   * than that lasts a round trip to Redis (a loaded machine: tens of ms), so admission never waits
   * on the exchange while units are there to be had; never more than MAX_LEASE_SHARE of the burst.
   */
  private batchOf(bucket: LeasedBucket): number {
    const wanted = bucket.takeRate * this.roundTripMs * LEASE_ROUND_TRIPS;
    return Math.min(bucket.burst * MAX_LEASE_SHARE, Math.max(bucket.burst * this.options.leaseShare, wanted));
  }

  private ask(amounts: ArrayLike<number>): void {
    this.need = Array.from(amounts);
    this.scheduleExchange();
  }

  private scheduleExchange(): void {
    if (this.exchangeScheduled || this.closing !== undefined) return;
    this.exchangeScheduled = true;
    setImmediate(() => {
      this.exchangeScheduled = false;
      void this.exchange();
    });
  }

  private freeSlotsToReturn(): number {
    const free = this.slotsHeld - this.slotsInUse;
    if (free <= 0) return 0;
    const at = performance.now();
    const spare = at < this.yieldUntil || at - this.lastSlotTakenAt >= SPARE_SLOT_MS;
    return spare && this.slotsWanted === 0 ? free : 0;
  }

  /** One LEASE call: reports spending, returns idle units, takes what a waiting job needs. */
  private async exchange(returnAll = false): Promise<void> {
    if (this.exchanging) {
      this.exchangeAgain = true;
      return;
    }
    if (!this.ready) return; // the "ready" event runs it again
    this.exchanging = true;
    this.exchangeAgain = false;
    const at = performance.now();
    const need = this.need;
    const prefetch = this.prefetch;
    const slotsWanted = returnAll ? 0 : this.slotsWanted;
    this.need = undefined;
    this.prefetch = false;
    this.slotsWanted = 0;
    const idleBefore = at - this.options.heartbeatMs;
    const returned: number[] = [];
    const adjusted: number[] = [];
    const args: string[] = [];
    for (const slot of this.active) {
      const bucket = this.buckets[slot]!;
      const amount = need?.[slot] ?? 0;
      // Units go back when the bucket has been idle a while (or on close), so others may use them.
      const giveBack = returnAll || (amount === 0 && bucket.lastTakeAt < idleBefore) ? bucket.lease : 0;
      bucket.lease -= giveBack;
      returned[slot] = giveBack;
      const needed = Math.max(0, amount - bucket.lease);
      const batch = this.batchOf(bucket);
      const inUse = amount > 0 || (prefetch && bucket.lastTakeAt >= idleBefore);
      const extra = returnAll || !inUse ? 0 : Math.max(0, batch - Math.max(0, bucket.lease - amount));
      args.push(
        String(slot),
        String(bucket.perMinute),
        String(bucket.burst),
        String(bucket.lease),
        String(giveBack),
        String(needed),
        String(extra),
        amount > bucket.burst ? "1" : "0",
        String(bucket.adjusting),
      );
      adjusted[slot] = bucket.adjusting;
      bucket.adjusting = 0;
    }
    const slotsReturned = returnAll ? this.slotsHeld : this.freeSlotsToReturn();
    this.slotsHeld -= slotsReturned;
    let changed = false;
    try {
      const reply = await this.client.sluiceLease(
        this.prefix,
        this.holder,
        String(this.options.leaseTtlMs),
        String(this.options.concurrency ?? 0),
        String(this.slotsHeld),
        String(slotsWanted),
        String(this.active.length),
        ...args,
      );
      const replyAt = performance.now();
      this.roundTripMs = 0.8 * this.roundTripMs + 0.2 * (replyAt - at);
      const granted = Number(reply[2]);
      if (granted > 0) {
        this.slotsHeld += granted;
        changed = true;
      } else if (slotsWanted > 0) {
        changed = true; // the caller waits for a "freed" message, or for the next heartbeat
      }
      this.active.forEach((slot, index) => {
        const bucket = this.buckets[slot]!;
        const base = 3 + index * 5;
        const grant = Number(reply[base]);
        if (grant > 0) {
          bucket.lease += grant;
          changed = true;
        }
        bucket.observe(
          Number(reply[base + 1]),
          Number(reply[base + 2]),
          Number(reply[base + 3]),
          Number(reply[base + 4]),
          replyAt,
        );
      });
      if (need !== undefined) changed = true;
    } catch {
      // Nothing changed in Redis: keep what was to be returned, and ask again once it answers.
      for (const slot of this.active) {
        const bucket = this.buckets[slot]!;
        bucket.lease += returned[slot] ?? 0;
        bucket.adjusting += adjusted[slot] ?? 0;
      }
      this.slotsHeld += slotsReturned;
      this.need ??= need;
      this.slotsWanted = Math.max(this.slotsWanted, slotsWanted);
      if (this.ready && !returnAll) setTimeout(() => this.scheduleExchange(), RETRY_MS).unref();
    } finally {
      this.exchanging = false;
    }
    if (changed) this.notify();
    if (this.exchangeAgain || this.need !== undefined || this.slotsWanted > 0) this.scheduleExchange();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private beat(): void {
    // Renews this holder's leases, reports spending, returns what sat idle.
    if (this.closing === undefined) void this.exchange();
  }

  private reconnected(): void {
    // Redis may have restarted empty: the next exchange re-registers what this process holds.
    for (const slot of this.active) this.buckets[slot]!.invalidate();
    this.updates.flush();
    this.scheduleExchange();
    this.notify();
  }

  private async join(): Promise<void> {
    const subscriber = this.subscriber;
    subscriber.on("message", (_channel: string, message: string) => this.onMessage(message));
    await subscriber.subscribe(`${this.prefix}events`);
    const state = await this.client.sluiceState(this.prefix);
    const pauseMs = Number(state[0]);
    if (pauseMs > 0) this.pauseEndsAt = performance.now() + pauseMs;
    for (let index = 2; index + 2 < state.length; index += 3) {
      this.localDefine(Number(state[index]), {
        perMinute: Number(state[index + 1]),
        burst: Number(state[index + 2]),
      });
    }
  }

  private onMessage(message: string): void {
    const [kind, first, second, third] = message.split(" ");
    if (kind === "freed") {
      for (const slot of this.active) this.buckets[slot]!.invalidate();
    } else if (kind === "wanted") {
      this.yieldUntil = performance.now() + YIELD_MS;
      if (this.slotsHeld > this.slotsInUse) this.scheduleExchange();
      return;
    } else if (kind === "pause") {
      this.pauseEndsAt = Math.max(this.pauseEndsAt, performance.now() + Number(first));
    } else if (kind === "shape") {
      this.localDefine(Number(first), { perMinute: Number(second), burst: Number(third) });
    } else {
      return;
    }
    this.notify();
  }

  private async leave(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.spareTimer !== undefined) clearTimeout(this.spareTimer);
    try {
      if (this.ready) {
        await this.updates.flush();
        while (this.exchanging) await new Promise((resolve) => setImmediate(resolve));
        await this.exchange(true);
        await this.client.zrem(`${this.prefix}holders`, this.holder);
        await this.client.del(`${this.prefix}h:${this.holder}`);
      }
    } catch {
      // Redis is gone: the leases expire on their own after leaseTtlMs.
    } finally {
      this.listeners.clear();
      this.subscriber.disconnect();
      this.client.disconnect();
    }
  }
}
