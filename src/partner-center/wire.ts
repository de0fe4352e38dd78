/**
 * Mapping between orderform's model and Partner Center's JSON. Requests are sent camelCase (the
 * service matches names case-insensitively, as its documentation's PascalCase examples show); responses are mapped to RemoteOrder so
 * that the planner never sees wire shapes.
 */
import type { CreateLineItemBody, CreateOrderBody } from "../core/create-order-body.js";
import type {
  DesiredLineItem,
  OrderContent,
  RemoteLineItem,
  RemoteOrder,
  RemoteOrderStatus,
} from "../core/model.js";
import type { Customer, ProvisioningStatusItem, Subscription } from "./types.js";
import type {
  WireCustomer,
  WireLineItem,
  WireOrder,
  WireProvisioningStatusItem,
  WireSubscription,
} from "./validate.js";

/** The create body. Absent optional fields are left out, not sent as null (the service validates them). */
export function createOrderBody(content: OrderContent): CreateOrderBody {
  return {
    billingCycle: content.billingCycle,
    ...(content.partnerOnRecordAttestationAccepted === undefined
      ? {}
      : { partnerOnRecordAttestationAccepted: content.partnerOnRecordAttestationAccepted }),
    lineItems: content.lineItems.map(createLineItemBody),
  };
}

function createLineItemBody(item: DesiredLineItem): CreateLineItemBody {
  const body: CreateLineItemBody = {
    lineItemNumber: item.lineItemNumber,
    offerId: item.offerId,
    quantity: item.quantity,
  };
  if (item.termDuration !== undefined) body.termDuration = item.termDuration;
  if (item.friendlyName !== undefined) body.friendlyName = item.friendlyName;
  if (item.partnerIdOnRecord !== undefined) body.partnerIdOnRecord = item.partnerIdOnRecord;
  if (item.additionalPartnerIdsOnRecord !== undefined)
    body.additionalPartnerIdsOnRecord = [...item.additionalPartnerIdsOnRecord];
  if (item.attestationAccepted !== undefined) body.attestationAccepted = item.attestationAccepted;
  if (item.renewsTo !== undefined) body.renewsTo = { termDuration: item.renewsTo.termDuration };
  if (item.provisioningContext !== undefined) body.provisioningContext = { ...item.provisioningContext };
  if (item.promotionId !== undefined) body.promotionId = item.promotionId;
  return body;
}

/**
 * An order without a status (the documented create, add-on and billing-cycle answers have none)
 * is placed, its status not yet known: "unknown", as for the legacy "none".
 */
export function normalizeOrderStatus(status: string | undefined): RemoteOrderStatus {
  if (status === undefined) return "unknown";
  const lower = status.toLowerCase();
  switch (lower) {
    case "pending":
    case "completed":
    case "cancelled":
      return lower;
    default:
      return "unknown";
  }
}

/** Lower snake case as the SDK's enum converter writes it ("OneTime" and "onetime" -> "one_time"). */
export function normalizeBillingCycle(billingCycle: string | undefined): string {
  if (billingCycle === undefined || billingCycle === "") return "unknown";
  // Every listed order carries one of a handful of spellings: convert each once (the regular
  // expression was ~15 ms of the main thread over 20,000 listed orders; docs/performance.md).
  let normalized = billingCycles.get(billingCycle);
  if (normalized === undefined) {
    const snake = billingCycle.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
    normalized = snake === "onetime" ? "one_time" : snake;
    if (billingCycles.size < 64) billingCycles.set(billingCycle, normalized);
  }
  return normalized;
}

const billingCycles = new Map<string, string>();

/**
 * `customerId` is the customer the call was made for; it is used when the service leaves out
 * referenceCustomerId (list items often do).
 */
export function mapRemoteOrder(wire: WireOrder, customerId: string): RemoteOrder {
  const order: RemoteOrder = {
    id: wire.id,
    customer: (wire.referenceCustomerId ?? customerId).toLowerCase(),
    billingCycle: normalizeBillingCycle(wire.billingCycle),
    status: normalizeOrderStatus(wire.status),
    creationDate: wire.creationDate,
    lineItems: wire.lineItems.map(mapRemoteLineItem),
  };
  if (wire.alternateId !== undefined) order.alternateId = wire.alternateId;
  return order;
}

function mapRemoteLineItem(wire: WireLineItem): RemoteLineItem {
  const item: RemoteLineItem = {
    lineItemNumber: wire.lineItemNumber,
    offerId: wire.offerId,
    quantity: wire.quantity,
  };
  if (wire.termDuration !== undefined) item.termDuration = wire.termDuration;
  if (wire.subscriptionId !== undefined) item.subscriptionId = wire.subscriptionId;
  if (wire.friendlyName !== undefined) item.friendlyName = wire.friendlyName;
  if (wire.partnerIdOnRecord !== undefined) item.partnerIdOnRecord = wire.partnerIdOnRecord;
  return item;
}

export function mapProvisioningStatusItem(wire: WireProvisioningStatusItem): ProvisioningStatusItem {
  const item: ProvisioningStatusItem = {
    lineItemNumber: wire.lineItemNumber,
    status: wire.status.toLowerCase(),
  };
  if (wire.quantityProvisioningInformation !== undefined) {
    item.quantityProvisioningInformation = wire.quantityProvisioningInformation.map((q) => ({
      quantity: q.quantity,
      status: q.status.toLowerCase(),
    }));
  }
  return item;
}

const SUBSCRIPTION_STRINGS = [
  "offerId",
  "offerName",
  "friendlyName",
  "unitType",
  "parentSubscriptionId",
  "creationDate",
  "effectiveStartDate",
  "commitmentEndDate",
  "cancellationAllowedUntilDate",
  "billingType",
  "billingCycle",
  "termDuration",
  "orderId",
  "entitlementId",
  "contractType",
] as const;

export function mapSubscription(wire: WireSubscription): Subscription {
  const subscription: Subscription = {
    id: wire.id,
    quantity: wire.quantity,
    status: wire.status.toLowerCase(),
    resource: wire as unknown as Record<string, unknown>,
  };
  for (const key of SUBSCRIPTION_STRINGS) {
    const value = wire[key];
    if (typeof value === "string") subscription[key] = value;
  }
  if (typeof wire.autoRenewEnabled === "boolean") subscription.autoRenewEnabled = wire.autoRenewEnabled;
  if (wire.attributes?.etag !== undefined) subscription.etag = wire.attributes.etag;
  return subscription;
}

/** The Customer resource as orderform reads it: tenant id (lower case) and company name. */
export function mapCustomer(wire: WireCustomer): Customer {
  return { id: wire.id.toLowerCase(), companyName: wire.companyProfile.companyName };
}

/** The documented PATCH body: the whole resource as it was read, with the new quantity. */
export function createSubscriptionQuantityBody(
  subscription: Subscription,
  quantity: number,
): Record<string, unknown> {
  return { ...subscription.resource, quantity };
}

/**
 * Resolves a collection's `links.next.uri` against the API base. Link URIs are relative and have
 * no /v1 prefix, as Partner Center's collection answers show. Returns null for a link to another origin: the bearer token must
 * never be sent anywhere but the configured endpoint.
 */
export function resolveLinkPath(uri: string, baseUrl: string): string | null {
  const base = new URL(baseUrl);
  const resolved = new URL(uri, base);
  if (resolved.origin !== base.origin) return null;
  const basePath = base.pathname.replace(/\/+$/, "");
  let path = resolved.pathname;
  if (/^https?:/i.test(uri) || path.startsWith(`${basePath}/v1/`)) {
    // Absolute link, or already carries the version prefix.
  } else {
    path = `${basePath}/v1${path.startsWith("/") ? "" : "/"}${path}`;
  }
  return `${path}${resolved.search}`;
}
