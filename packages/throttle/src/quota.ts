// Dependency-free copy of @sluice/llm quota.ts, checked by @sluice/test-tables quota-codes.json.

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

/**
 * Whether a failure is a spend cap or quota refusal by the shared table: a quota code, a billing
 * type, or HTTP 402. The throttle's own rule for a bare 429 (Anthropic's spend caps send no
 * retry-after) sits on top of this, in feedback.ts.
 */
export function isQuotaFailure(
  status: number | undefined,
  errorType: string | undefined,
  errorCode: string | undefined,
): boolean {
  const code = errorCode?.toLowerCase();
  return (
    status === 402 ||
    (code !== undefined && (QUOTA_ERROR_CODES.has(code) || QUOTA_WORD.test(code))) ||
    (errorType !== undefined && QUOTA_ERROR_TYPES.has(errorType))
  );
}
