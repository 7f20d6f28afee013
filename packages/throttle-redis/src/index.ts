export { connectWithin } from "./connection.js";
export { RedisUnreachableError } from "./errors.js";
export type { RedisThrottleStoreOptions } from "./options.js";
export { RedisThrottleStore } from "./store.js";
