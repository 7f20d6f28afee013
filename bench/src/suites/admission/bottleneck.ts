import Bottleneck from "bottleneck";
import { type AdmissionCase, type AdmissionSample, measureAdmission } from "./case.js";

export function run(test: AdmissionCase): Promise<AdmissionSample> {
  const limiter = new Bottleneck({ maxConcurrent: test.concurrency });
  return measureAdmission(test, (job) => limiter.schedule(job));
}
