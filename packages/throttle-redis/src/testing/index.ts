// Test helpers for packages whose tests need a real Redis: `@sluice/throttle-redis/testing`.
export {
  findRedisServer,
  freePort,
  type RedisServer,
  redisServerForTests,
  startRedisServer,
} from "./redis-server.js";
