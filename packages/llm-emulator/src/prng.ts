/**
 * Seeded randomness. Everything the emulator draws (faults, jitter, ids, batch result order, text
 * tie-breaks) comes from here, so a seed reproduces a run request for request.
 */
export type Random = () => number;

/** mulberry32: tiny, fast and good enough for simulation; returns floats in [0, 1). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units, mixed with a seed: a stable 32-bit hash for deriving sub-seeds. */
export function hashString(text: string, seed = 0): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Provider-style ids (`req_…`, `msg_…`, `msgbatch_…`). A counter prefix keeps them unique even if
 * two draws collide; the random tail makes them look like the real thing.
 */
export class IdGenerator {
  #random: Random;
  #counter = 0;

  constructor(seed: number) {
    this.#random = createRandom(hashString("ids", seed));
  }

  next(prefix: string, length = 24): string {
    this.#counter++;
    let id = `${prefix}${this.#counter.toString(36).padStart(4, "0")}`;
    const tail = Math.max(0, length - (id.length - prefix.length));
    for (let index = 0; index < tail; index++) id += BASE62[Math.floor(this.#random() * 62)];
    return id;
  }
}

/** Fisher–Yates with the given randomness; returns a new array. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const result = [...items];
  for (let index = result.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    const swap = result[index] as T;
    result[index] = result[other] as T;
    result[other] = swap;
  }
  return result;
}
