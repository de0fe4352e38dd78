/**
 * Schema-valid documents to the core's DesiredOrder: canonical enum spellings, lower-case
 * customer, lineItemNumber filled in, and fresh objects holding only known keys (so nothing the
 * YAML produced, e.g. an own `__proto__` property, travels further).
 */
import type { DesiredLineItem, DesiredOrder, SourceLocation } from "../core/model.js";
import {
  normalizeBillingCycle,
  normalizeRenewalTermDuration,
  normalizeTermDuration,
} from "../core/order-terms.js";
import type { SchemaValidLineItem, SchemaValidOrder } from "./order-rules.js";

/** Assumes the order schema accepted `value`; an enum the schema let through but we do not know is a bug. */
export function normalizeOrder(value: SchemaValidOrder, source: SourceLocation): DesiredOrder {
  const order: DesiredOrder = {
    name: value.name,
    customer: value.customer.toLowerCase(),
    billingCycle: requireKnown(normalizeBillingCycle(value.billingCycle), "billingCycle", value.billingCycle),
    lineItems: value.lineItems.map((item, index) => normalizeLineItem(item, index)),
    source,
  };
  if (value.partnerOnRecordAttestationAccepted !== undefined) {
    order.partnerOnRecordAttestationAccepted = value.partnerOnRecordAttestationAccepted;
  }
  return order;
}

function normalizeLineItem(item: SchemaValidLineItem, index: number): DesiredLineItem {
  const out: DesiredLineItem = { lineItemNumber: index, offerId: item.offerId, quantity: item.quantity };
  if (item.termDuration !== undefined) {
    out.termDuration = requireKnown(
      normalizeTermDuration(item.termDuration),
      "termDuration",
      item.termDuration,
    );
  }
  if (item.friendlyName !== undefined) out.friendlyName = item.friendlyName;
  if (item.partnerIdOnRecord !== undefined) out.partnerIdOnRecord = item.partnerIdOnRecord;
  if (item.additionalPartnerIdsOnRecord !== undefined) {
    out.additionalPartnerIdsOnRecord = [...item.additionalPartnerIdsOnRecord];
  }
  if (item.attestationAccepted !== undefined) out.attestationAccepted = item.attestationAccepted;
  if (item.renewsTo !== undefined) {
    const term = item.renewsTo.termDuration;
    out.renewsTo = {
      termDuration: requireKnown(normalizeRenewalTermDuration(term), "renewsTo.termDuration", term),
    };
  }
  if (item.provisioningContext !== undefined) {
    // fromEntries defines own data properties, so even odd names cannot reach a prototype.
    out.provisioningContext = Object.fromEntries(Object.entries(item.provisioningContext));
  }
  if (item.promotionId !== undefined) out.promotionId = item.promotionId;
  return out;
}

function requireKnown<T>(value: T | null, field: string, input: string): T {
  if (value === null) throw new Error(`bug: the order schema accepted ${field} ${JSON.stringify(input)}`);
  return value;
}

/** Stable order for every consumer: customer, then name (code-unit order, locale-independent). */
export function compareOrders(a: DesiredOrder, b: DesiredOrder): number {
  if (a.customer !== b.customer) return a.customer < b.customer ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}
