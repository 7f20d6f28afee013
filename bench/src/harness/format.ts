/** Number formatting for tables: fixed precision, thousands separators, "—" for what was not measured. */

const DASH = "—";

export function fixed(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return DASH;
  // -0.00 reads as a loss where there is none.
  if (Math.abs(value) < 0.5 * 10 ** -digits) value = 0;
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function integer(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : DASH;
}

export function percent(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${fixed(value * 100, digits)}%` : DASH;
}

/** A ratio such as "2.31×". */
export function times(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${fixed(value, digits)}×` : DASH;
}

export function seconds(ms: number, digits = 2): string {
  return Number.isFinite(ms) ? `${fixed(ms / 1000, digits)} s` : DASH;
}

export function megabytes(kb: number): string {
  return Number.isFinite(kb) ? `${fixed(kb / 1024, 0)} MB` : DASH;
}
