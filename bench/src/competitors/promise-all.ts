import type { CompetitorParams, CompetitorResult } from "./common.js";
import { driveSdk } from "./sdk.js";

/** Every request at once; the SDK's own retries (maxRetries 2, honouring retry-after) handle 429s. */
export function run(params: CompetitorParams): Promise<CompetitorResult> {
  return driveSdk(params, (call) => call());
}
