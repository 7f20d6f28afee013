// Test helpers for code that runs on a pool: a private redis-server per test file, worker child
// processes, and the effect log that counts what their nodes did.
export { type RedisServer, redisAvailable, startRedisServer, waitUntil } from "./redis-server.js";
export { type Effect, readEffects, spawnWorkerProcess, type WorkerProcess } from "./worker-processes.js";
