import pLimit from "p-limit";
import type { CompetitorParams, CompetitorResult } from "./common.js";
import { driveSdk } from "./sdk.js";

/** p-limit caps concurrency (all it does, per its documentation); the SDK retries 429s. */
export function run(params: CompetitorParams): Promise<CompetitorResult> {
  const limit = pLimit(params.concurrency);
  return driveSdk(params, (call) => limit(call));
}
