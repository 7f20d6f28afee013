import PQueue from "p-queue";
import { type AdmissionCase, type AdmissionSample, measureAdmission } from "./case.js";

export function run(test: AdmissionCase): Promise<AdmissionSample> {
  const queue = new PQueue({ concurrency: test.concurrency });
  return measureAdmission(test, (job) => queue.add(job));
}
