import { Throttle } from "@sluice/throttle";
import { type AdmissionCase, type AdmissionSample, measureAdmission } from "./case.js";

/** @sluice/throttle with the concurrency cap, optionally with per-minute limits (never binding) and costs. */
export function run(test: AdmissionCase): Promise<AdmissionSample> {
  if (!test.withLimits) {
    const throttle = new Throttle({ concurrency: test.concurrency });
    return measureAdmission(test, (job) => throttle.run(job));
  }
  const throttle = new Throttle({
    concurrency: test.concurrency,
    requestsPerMinute: 1e12,
    inputTokensPerMinute: 1e15,
    outputTokensPerMinute: 1e15,
  });
  const cost = { inputTokens: 1_000, outputTokens: 500 };
  return measureAdmission(test, (job) => throttle.run(job, { cost }));
}
