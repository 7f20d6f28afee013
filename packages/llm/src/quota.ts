/**
 * Which failures are spend caps or exhausted quotas: retrying them only burns time until a human
 * raises the limit or adds credit. One table for every adapter (and the throttle's dependency-free
 * copy), pinned down in @sluice/test-tables `quota-codes.json`.
 */

/** The provider codes known to mean "the account cannot spend more" (Anthropic's and OpenAI's). */
export const QUOTA_ERROR_CODES: ReadonlySet<string> = new Set([
  "insufficient_quota",
  "quota_exceeded",
  "billing_hard_limit_reached",
  "billing_not_active",
  "credit_balance_too_low",
  "enforced_spend_limit_reached",
  "contract_spend_limit_reached",
  "linked_organization_spend_limit_reached",
  "linked_organization_billing_unavailable",
]);

/** Error types that mean a spend problem whatever the code. */
const QUOTA_ERROR_TYPES: ReadonlySet<string> = new Set(["billing_error", "insufficient_quota"]);

// Codes not listed above that still name a spending cause as one of their words
// ("workspace_spend_limit_reached", "monthly_budget_exceeded"); "spendthrift" is not one.
const QUOTA_WORD = /(^|_)(spend|quota|billing|credits?|budget)(_|$)/;

/** Whether a provider error code names a spend cap or quota. */
export function isQuotaCode(code: string | undefined): boolean {
  if (!code) return false;
  const lowered = code.toLowerCase();
  return QUOTA_ERROR_CODES.has(lowered) || QUOTA_WORD.test(lowered);
}

/** The parts of a failure that decide whether it is a quota refusal. */
export interface QuotaSignals {
  readonly status?: number | undefined;
  readonly errorType?: string | undefined;
  readonly errorCode?: string | undefined;
}

/**
 * Whether a failure is a spend cap or quota refusal: a quota code, a billing type, or HTTP 402.
 * Vendors' extra rules (Anthropic's 429 without retry-after) live in their adapters.
 *
 * @example
 * isQuotaFailure({ status: 429, errorCode: "insufficient_quota" }); // true
 * isQuotaFailure({ status: 429, errorCode: "rate_limit_exceeded" }); // false
 */
export function isQuotaFailure(failure: QuotaSignals): boolean {
  return (
    failure.status === 402 ||
    isQuotaCode(failure.errorCode) ||
    (failure.errorType !== undefined && QUOTA_ERROR_TYPES.has(failure.errorType))
  );
}
