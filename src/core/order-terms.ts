/**
 * Canonical spellings of a declaration's billing cycle and terms, shared by the order files
 * (src/manifests/normalize-order.ts) and the declarations generate writes from Partner Center's
 * orders (src/core/generate-rules.ts), so both read a spelling the same way (docs/generate.md).
 */
import type { BillingCycle, RenewalTermDuration, TermDuration } from "./model.js";

const BILLING_CYCLES: Record<string, BillingCycle> = {
  monthly: "monthly",
  annual: "annual",
  triennial: "triennial",
  onetime: "one_time",
  none: "none",
};

/** "Monthly", "ONE_TIME", "OneTime", "onetime" -> canonical; null when it is no billing cycle. */
export function normalizeBillingCycle(input: string): BillingCycle | null {
  return BILLING_CYCLES[input.toLowerCase().replace(/_/g, "")] ?? null;
}

export function normalizeTermDuration(input: string): TermDuration | null {
  const upper = input.toUpperCase();
  return upper === "P1M" || upper === "P1Y" || upper === "P3Y" ? upper : null;
}

export function normalizeRenewalTermDuration(input: string): RenewalTermDuration | null {
  const upper = input.toUpperCase();
  return upper === "P1M" || upper === "P1Y" ? upper : null;
}
