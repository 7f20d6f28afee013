// Test helpers for code that runs on a pool: a private redis-server per test file.
export { type RedisServer, redisAvailable, startRedisServer, waitUntil } from "./redis-server.js";
