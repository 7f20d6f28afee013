import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { RunInUseError } from "./errors.js";

// Extends the lease only if this producer still holds it; takes it again if Redis lost it (a
// restart without persistence); reports a lease another producer took meanwhile.
const RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not holder then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) and 1 or 0 end
return -1`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One live producer per run id: a key with a TTL that its holder renews. A producer that dies stops
 * renewing and the run frees after `ttlMs`, so a restarted producer can take it over.
 */
export class RunLease {
  private readonly token = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private lostTo: RunInUseError | undefined;
  private renewing = false;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly runId: string,
    private readonly ttlMs: number,
  ) {}

  static async acquire(redis: Redis, key: string, runId: string, ttlMs: number): Promise<RunLease> {
    const lease = new RunLease(redis, key, runId, ttlMs);
    const taken = await redis.set(key, lease.token, "PX", ttlMs, "NX");
    if (taken !== "OK") throw new RunInUseError(runId, Math.max(0, await redis.pttl(key)));
    lease.timer = setInterval(() => lease.renew(), Math.max(100, Math.floor(ttlMs / 3)));
    lease.timer.unref();
    return lease;
  }

  /** Throws if another producer took the run while this one could not renew (e.g. Redis was away). */
  check(): void {
    if (this.lostTo) throw this.lostTo;
  }

  private async renew(): Promise<void> {
    // While Redis is away a renewal waits for the reconnect; the timer must not pile more behind it.
    if (this.renewing) return;
    this.renewing = true;
    try {
      const result = await this.redis.eval(RENEW, 1, this.key, this.token, this.ttlMs);
      if (result === -1) this.lostTo = new RunInUseError(this.runId, await this.redis.pttl(this.key));
    } catch {
      // Redis is away: the next renewal retries once it is back.
    } finally {
      this.renewing = false;
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => {});
  }
}
