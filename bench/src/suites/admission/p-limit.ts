import pLimit from "p-limit";
import { type AdmissionCase, type AdmissionSample, measureAdmission } from "./case.js";

export function run(test: AdmissionCase): Promise<AdmissionSample> {
  const limit = pLimit(test.concurrency);
  return measureAdmission(test, (job) => limit(job));
}
