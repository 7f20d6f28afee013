/**
 * The `retry-after` value for a wait of `ms` real milliseconds. At timeScale 1 it is whole seconds,
 * rounded up, as the providers send it; under time compression a whole second would be far too long,
 * so it becomes fractional seconds with millisecond precision (e.g. "0.125"), which the SDKs parse.
 */
export function formatRetryAfter(ms: number, timeScale: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (timeScale === 1) return String(Math.max(1, Math.ceil(safe / 1000)));
  return String(Math.max(1, Math.ceil(safe)) / 1000);
}
