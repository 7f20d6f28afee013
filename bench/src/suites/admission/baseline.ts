import { type AdmissionCase, type AdmissionSample, measureAdmission } from "./case.js";

/** No limiter at all: the floor (creating and awaiting 100,000 promises). */
export function run(test: AdmissionCase): Promise<AdmissionSample> {
  return measureAdmission(test, (job) => job());
}
