/** Summary statistics over the rounds of one benchmark case. Medians, because shared machines drift. */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many samples the summary is over. */
  readonly count: number;
}

/** The median of `values` (the mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median, min and max of `values`, ignoring NaN (a failed run leaves NaN). */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, count: 0 };
  return {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
    count: finite.length,
  };
}

/** `value / reference`, or NaN when the reference is missing or zero. */
export function ratio(value: number, reference: number): number {
  return Number.isFinite(value) && Number.isFinite(reference) && reference !== 0
    ? value / reference
    : Number.NaN;
}
