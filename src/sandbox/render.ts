/**
 * Wire shapes of the sandbox's answers, modelled on the seed documents' response examples:
 * camelCase, relative link uris without /v1, attributes.objectType, collection envelopes.
 */
import { createHash } from "node:crypto";
import type { Catalog, CatalogOffer } from "./catalog.js";
import { parseCatalogOfferId } from "./catalog.js";
import type { ApiError, NormalizedLineItem } from "./order-request.js";
import type { StoredOrder, StoredOrderStatus, StoredSubscriptionStatus } from "./store.js";

type Json = Record<string, unknown>;

function createLink(uri: string, method = "GET"): Json {
  return { uri, method, headers: [] };
}

export function renderCollection(items: unknown[], selfUri: string): Json {
  return {
    totalCount: items.length,
    items,
    links: { self: createLink(selfUri) },
    attributes: { objectType: "Collection" },
  };
}

export function renderApiError(error: ApiError, numericCodes: boolean): Json {
  return {
    code: numericCodes ? Number(error.code) : error.code,
    description: error.description,
    data: [],
    source: "PartnerFD",
  };
}

/** A pending order reads as completed once its provisioning time has passed. */
export function readOrderStatus(order: StoredOrder, nowMs: number): StoredOrderStatus {
  return order.status === "pending" && nowMs >= order.provisionAtMs ? "completed" : order.status;
}

export function isProvisioned(order: StoredOrder, nowMs: number): boolean {
  return nowMs >= order.provisionAtMs;
}

/** Subscription ids are derived from the order id, so they need no storage and never change. */
export function createSubscriptionId(orderId: string, lineItemNumber: number): string {
  const h = createHash("sha1").update(`${orderId}:${lineItemNumber}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * `asCreated`: the create answer always says "pending" (as the documented 201 examples do), while
 * subscription ids already show when provisioning is immediate (the attestation example has both).
 */
export function renderOrder(order: StoredOrder, catalog: Catalog, nowMs: number, asCreated = false): Json {
  const base = `/customers/${order.customerId}/orders/${order.id}`;
  const provisioned = isProvisioned(order, nowMs);
  const lineItems = order.lineItems.map((item) => {
    const offer = catalog.byId.get(item.offerId.toUpperCase());
    const line: Json = { lineItemNumber: item.lineItemNumber, offerId: item.offerId };
    const subscriptionId = provisioned ? createSubscriptionId(order.id, item.lineItemNumber) : undefined;
    if (subscriptionId !== undefined) line.subscriptionId = subscriptionId;
    if (item.termDuration !== undefined) line.termDuration = item.termDuration;
    line.transactionType = "New";
    line.friendlyName = item.friendlyName ?? offer?.name ?? item.offerId;
    line.quantity = item.quantity;
    if (item.partnerIdOnRecord !== undefined) line.partnerIdOnRecord = item.partnerIdOnRecord;
    if (item.additionalPartnerIdsOnRecord !== undefined)
      line.additionalPartnerIdsOnRecord = item.additionalPartnerIdsOnRecord;
    if (item.attestationAccepted !== undefined) line.attestationAccepted = item.attestationAccepted;
    if (item.renewsTo !== undefined) line.renewsTo = item.renewsTo;
    if (item.provisioningContext !== undefined) line.provisioningContext = item.provisioningContext;
    if (item.promotionId !== undefined) line.promotionId = item.promotionId;
    if (item.customTermEndDate !== undefined) line.customTermEndDate = item.customTermEndDate;
    const links: Json = {};
    const parts = parseCatalogOfferId(item.offerId);
    if (parts !== undefined) {
      links.product = createLink(`/products/${parts.productId}?country=US`);
      links.sku = createLink(`/products/${parts.productId}/skus/${parts.skuId}?country=US`);
      links.availability = createLink(
        `/products/${parts.productId}/skus/${parts.skuId}/availabilities/${parts.availabilityId}?country=US`,
      );
    }
    links.provisioningStatus = createLink(`${base}/provisioningstatus`);
    links.activationLinks = createLink(`${base}/lineitems/${item.lineItemNumber}/activationlinks`);
    if (subscriptionId !== undefined) {
      links.subscription = createLink(`/customers/${order.customerId}/subscriptions/${subscriptionId}`);
    }
    line.links = links;
    return line;
  });
  const out: Json = { id: order.id };
  if (order.alternateId !== undefined) out.alternateId = order.alternateId;
  out.referenceCustomerId = order.customerId;
  out.billingCycle = order.billingCycle;
  out.currencyCode = order.currencyCode;
  out.currencySymbol = "$";
  out.lineItems = lineItems;
  out.creationDate = order.creationDate;
  out.status = asCreated && order.status === "pending" ? "pending" : readOrderStatus(order, nowMs);
  out.transactionType = "UserPurchase";
  out.links = {
    self: createLink(base),
    provisioningStatus: createLink(`${base}/provisioningstatus`),
    patchOperation: createLink(base, "PATCH"),
  };
  out.client = {};
  out.attributes = { objectType: "Order" };
  return out;
}

export function renderProvisioningStatus(order: StoredOrder, nowMs: number): Json[] {
  const status = readOrderStatus(order, nowMs);
  const lineStatus =
    status === "cancelled" ? "unfulfilled" : status === "completed" ? "fulfilled" : "prefulfillmentPending";
  return order.lineItems.map((item) => ({
    orderLineItemId: item.lineItemNumber,
    lineItemNumber: item.lineItemNumber,
    status: lineStatus,
    quantityProvisioningInformation: [{ quantity: item.quantity, status: lineStatus }],
  }));
}

/** One subscription as its routes show it; what it is made of is subscriptions.ts's. */
export interface SubscriptionView {
  id: string;
  order: StoredOrder;
  item: NormalizedLineItem;
  offer: CatalogOffer | undefined;
  quantity: number;
  status: StoredSubscriptionStatus;
  friendlyName: string;
  etag: string;
  /** New-commerce license offers only: the end of the seat-reduction window. */
  cancellationAllowedUntilMs?: number;
}

export function renderSubscription(view: SubscriptionView): Json {
  const { id, order, item, offer } = view;
  const sub: Json = {
    id,
    offerId: item.offerId,
    offerName: offer?.name ?? item.offerId,
    friendlyName: view.friendlyName,
    quantity: view.quantity,
    unitType: offer?.unitType ?? "Licenses",
    creationDate: order.creationDate,
    effectiveStartDate: order.creationDate,
    commitmentEndDate: createCommitmentEndDate(order.createdAtMs, item.termDuration),
  };
  if (view.cancellationAllowedUntilMs !== undefined)
    sub.cancellationAllowedUntilDate = new Date(view.cancellationAllowedUntilMs).toISOString();
  sub.status = view.status;
  sub.autoRenewEnabled = item.renewsTo !== undefined;
  sub.billingType = offer?.kind === "reservedInstance" ? "usage" : "license";
  sub.billingCycle = order.billingCycle;
  if (item.termDuration !== undefined) sub.termDuration = item.termDuration;
  if (item.partnerIdOnRecord !== undefined) sub.partnerId = item.partnerIdOnRecord;
  sub.contractType = "subscription";
  sub.orderId = order.id;
  sub.links = {
    offer: createLink(`/offers/${item.offerId}`),
    self: createLink(`/customers/${order.customerId}/subscriptions/${id}`),
  };
  sub.attributes = { etag: view.etag, objectType: "Subscription" };
  return sub;
}

/** Creation plus the term (P1M, P1Y, P3Y); without a term, the far future the docs show. */
function createCommitmentEndDate(createdAtMs: number, termDuration: string | undefined): string {
  const match = /^P(\d+)([MY])$/.exec(termDuration ?? "");
  if (match === null) return "9999-12-31T00:00:00Z";
  const end = new Date(createdAtMs);
  const months = Number(match[1]) * (match[2] === "Y" ? 12 : 1);
  end.setUTCMonth(end.getUTCMonth() + months);
  return `${end.toISOString().slice(0, 10)}T00:00:00Z`;
}
