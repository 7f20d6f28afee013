/**
 * A binary min-heap that knows where each item sits, so an item can leave early (a job admitted
 * before its deadline, a retry aborted during its backoff) in O(log n) instead of lingering until
 * its time comes. The limiter's single timer is set from the heads of these heaps.
 */
export class IndexedHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly key: (item: T) => number,
    private readonly getIndex: (item: T) => number,
    private readonly setIndex: (item: T, index: number) => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** The smallest key, or Infinity when empty. */
  peekKey(): number {
    const top = this.items[0];
    return top === undefined ? Number.POSITIVE_INFINITY : this.key(top);
  }

  push(item: T): void {
    this.items.push(item);
    this.setIndex(item, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes `item` if it is in the heap. */
  delete(item: T): void {
    const index = this.getIndex(item);
    if (index < 0 || this.items[index] !== item) return;
    this.removeAt(index);
  }

  /** Empties the heap and returns what it held. */
  clear(): T[] {
    const items = this.items.splice(0);
    for (const item of items) this.setIndex(item, -1);
    return items;
  }

  private removeAt(index: number): void {
    const items = this.items;
    const removed = items[index]!;
    const last = items.pop()!;
    this.setIndex(removed, -1);
    if (index === items.length) return;
    items[index] = last;
    this.setIndex(last, index);
    this.up(index);
    this.down(this.getIndex(last));
  }

  private up(index: number): void {
    const items = this.items;
    const item = items[index]!;
    const key = this.key(item);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (this.key(parent) <= key) break;
      items[index] = parent;
      this.setIndex(parent, index);
      index = parentIndex;
    }
    items[index] = item;
    this.setIndex(item, index);
  }

  private down(index: number): void {
    const items = this.items;
    const item = items[index]!;
    const key = this.key(item);
    const length = items.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.key(items[right]!) < this.key(items[left]!)) child = right;
      const childItem = items[child]!;
      if (this.key(childItem) >= key) break;
      items[index] = childItem;
      this.setIndex(childItem, index);
      index = child;
    }
    items[index] = item;
    this.setIndex(item, index);
  }
}
