import { InvalidArgumentError } from "./errors.js";

/** What a batch's prep may return: undefined or null (no items), any Iterable or AsyncIterable. */
export type BatchItems<T> = Iterable<T> | AsyncIterable<T> | null | undefined;

/** A pull-based view over the items, read lazily so a capped run never holds more than it needs. */
export interface ItemSource<T> {
  /** Known up front for arrays and anything with a numeric `length` or `size`. */
  readonly total: number | undefined;
  readonly iterator: Iterator<T> | AsyncIterator<T>;
  readonly isAsync: boolean;
}

/**
 * Turns a prep result into an item source, or explains what was wrong with it. A string is refused
 * although it is iterable: a batch of its characters is almost never what was meant.
 */
export function toItemSource<T>(items: BatchItems<T>, owner: string): ItemSource<T> {
  if (items === undefined || items === null)
    return { total: 0, iterator: [][Symbol.iterator](), isAsync: false };
  if (typeof items === "string") {
    throw new InvalidArgumentError(
      `${owner}.prep returned a string, but a batch needs a collection of items. ` +
        "Return an array (e.g. [text]) or split the string first.",
    );
  }
  if (typeof items === "object" || typeof items === "function") {
    const asyncIterate = (items as AsyncIterable<T>)[Symbol.asyncIterator];
    if (typeof asyncIterate === "function") {
      return { total: sizeOf(items), iterator: asyncIterate.call(items), isAsync: true };
    }
    const iterate = (items as Iterable<T>)[Symbol.iterator];
    if (typeof iterate === "function") {
      return { total: sizeOf(items), iterator: iterate.call(items), isAsync: false };
    }
  }
  throw new InvalidArgumentError(
    `${owner}.prep returned ${describe(items)}, but a batch needs an array, another Iterable ` +
      "(Set, generator), an AsyncIterable, or undefined for no items.",
  );
}

function sizeOf(items: object): number | undefined {
  const { length, size } = items as { length?: unknown; size?: unknown };
  if (typeof length === "number") return length;
  if (typeof size === "number") return size;
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === "object") return `an object (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value} (${String(value)})`;
}
