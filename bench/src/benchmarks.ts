import type { Benchmark } from "./harness/report.js";
import { admissionBenchmark } from "./suites/admission.js";
import { aiSdkBenchmark } from "./suites/ai-sdk.js";
import { appBenchmark } from "./suites/app.js";
import { coreBenchmark } from "./suites/core.js";
import { distributedBenchmark } from "./suites/distributed.js";
import { makespanBenchmark } from "./suites/makespan.js";

/** Every benchmark, in the order `pnpm bench` runs them. */
export const BENCHMARKS: readonly Benchmark[] = [
  coreBenchmark,
  admissionBenchmark,
  makespanBenchmark,
  appBenchmark,
  aiSdkBenchmark,
  distributedBenchmark,
];

export function findBenchmark(name: string): Benchmark | undefined {
  return BENCHMARKS.find((benchmark) => benchmark.name === name);
}
