// 2^15 slots (256 KB): chunks are born in V8's large-object space, so the young-generation
// collector never copies them while the batch runs.
const CHUNK_BITS = 15;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/**
 * The results of a batch, stored by input index. One array grown slot by slot is copied at every
 * growth, and for a million items those copies, not the results, made most of the batch's peak
 * memory. So the slots are allocated once when the number of items is known up front, and in
 * fixed-size chunks joined once at the end when it is not (a generator).
 */
export class ResultSlots<R> {
  private readonly flat: R[] | undefined;
  private readonly chunks: R[][] = [];

  constructor(expected: number | undefined) {
    this.flat =
      expected !== undefined && expected > 0 && expected <= 2 ** 32 - 1 ? new Array(expected) : undefined;
  }

  set(index: number, value: R): void {
    if (this.flat) this.flat[index] = value;
    else {
      let chunk = this.chunks[index >>> CHUNK_BITS];
      if (chunk === undefined) {
        chunk = new Array(CHUNK_SIZE);
        this.chunks[index >>> CHUNK_BITS] = chunk;
      }
      chunk[index & CHUNK_MASK] = value;
    }
  }

  /** The first `count` results as one array (a source may yield fewer items than its length said). */
  toArray(count: number): R[] {
    if (this.flat) {
      if (this.flat.length > count) this.flat.length = count;
      return this.flat;
    }
    if (this.chunks.length <= 1) {
      const only = this.chunks[0] ?? [];
      only.length = count;
      return only;
    }
    const all = new Array<R>(count);
    for (let index = 0; index < count; index++) {
      all[index] = (this.chunks[index >>> CHUNK_BITS] as R[])[index & CHUNK_MASK] as R;
    }
    return all;
  }
}
