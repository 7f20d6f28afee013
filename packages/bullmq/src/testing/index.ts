// Test helpers for code that runs on a pool: a private redis-server per test file (the one of
// @sluice/throttle-redis/testing, re-exported so a pool's tests need one import), worker child
// processes, and the effect log that counts what their nodes did.
export {
  findRedisServer,
  freePort,
  type RedisServer,
  redisServerForTests,
  startRedisServer,
} from "@sluice/throttle-redis/testing";
export { waitUntil } from "./wait-until.js";
export { type Effect, readEffects, spawnWorkerProcess, type WorkerProcess } from "./worker-processes.js";
