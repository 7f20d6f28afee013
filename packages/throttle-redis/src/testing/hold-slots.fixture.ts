// A child process for faults.test.ts: joins a quota with a shared concurrency cap, takes every slot
// with jobs that never end, says "holding" on stdout, and waits to be killed.
import { Throttle } from "@sluice/throttle";
import { RedisThrottleStore } from "../store.js";

const [url, quota, cap, ttl] = process.argv.slice(2) as [string, string, string, string];
const store = await RedisThrottleStore.connect({
  url,
  quota,
  concurrency: Number(cap),
  leaseTtlMs: Number(ttl),
  heartbeatMs: Number(ttl) / 4,
});
const throttle = new Throttle({ store });
let started = 0;
for (let index = 0; index < Number(cap); index++) {
  void throttle.run(() => {
    if (++started === Number(cap)) process.stdout.write("holding\n");
    return new Promise(() => {});
  });
}
setInterval(() => {}, 1_000);
