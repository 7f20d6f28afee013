/** One admission run: how many no-op jobs go through the limiter, under what concurrency cap. */
export interface AdmissionCase {
  readonly jobs: number;
  readonly warmup: number;
  readonly concurrency: number;
  /** Throttle only: also enforce (never binding) per-minute limits and pass a cost with every job. */
  readonly withLimits?: boolean;
}

export interface AdmissionSample {
  readonly wallMs: number;
  readonly jobs: number;
  readonly completed: number;
}

/** A job that does nothing: what remains is the limiter's own cost per job. */
export const noop = (): Promise<void> => Promise.resolve();

/**
 * Submits every job at once (as a batch would), waits for all, and times it. A warm-up round first,
 * so each limiter is measured with warm code.
 */
export async function measureAdmission(
  test: AdmissionCase,
  submit: (job: () => Promise<void>) => Promise<unknown>,
): Promise<AdmissionSample> {
  if (test.warmup > 0) await submitAll(test.warmup, submit);
  const started = performance.now();
  const completed = await submitAll(test.jobs, submit);
  return { wallMs: performance.now() - started, jobs: test.jobs, completed };
}

async function submitAll(count: number, submit: (job: () => Promise<void>) => Promise<unknown>) {
  const pending = new Array<Promise<unknown>>(count);
  for (let index = 0; index < count; index++) pending[index] = submit(noop);
  return (await Promise.all(pending)).length;
}
