/**
 * Subscriptions: one per line item of an order, from the moment the order is provisioned (reads
 * as completed). Its id is derived from the order id and line item number (render.ts), so it needs
 * no storage until something changes it; then its quantity, status and friendly name are kept in
 * the store (StoredSubscription) and win over the line item's. A cancelled order suspends its
 * subscriptions. The rules of a PATCH (change the quantity, rename; everything else refused) are
 * checkSubscriptionPatch below. See docs/subscriptions.md.
 */
import { createHash } from "node:crypto";
import type { SandboxContext } from "./context.js";
// One definition of the new-commerce window for orderform and its sandbox (docs/subscriptions.md).
import { CANCELLATION_WINDOW_MS, isNewCommerceOffer } from "../core/cancellation-window.js";
import { SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION } from "./defaults.js";
import type { ApiError, NormalizedLineItem } from "./order-request.js";
import { createApiError, createLowerKeyed, normalizeBillingCycle } from "./order-request.js";
import { createSubscriptionId, isProvisioned, readOrderStatus } from "./render.js";
import type { SubscriptionView } from "./render.js";
import { createCustomerKey } from "./store.js";
import type { StoredOrder, StoredSubscription, StoredSubscriptionStatus } from "./store.js";

const SUBSCRIPTION_STATUSES: readonly StoredSubscriptionStatus[] = ["active", "suspended", "deleted"];

/** The subscriptions of a provisioned order, in line item order; none while it is pending. */
export function selectOrderSubscriptions(
  ctx: SandboxContext,
  order: StoredOrder,
  now: number,
): SubscriptionView[] {
  if (!isProvisioned(order, now)) return [];
  return order.lineItems.map((item) => {
    const id = createSubscriptionId(order.id, item.lineItemNumber);
    return createView(ctx, order, item, ctx.store.subscriptions.get(id), now);
  });
}

/** How `view` reads once `next` is stored (the answer of a PATCH, rendered before it is written). */
export function createChangedView(
  ctx: SandboxContext,
  view: SubscriptionView,
  next: StoredSubscription,
  now: number,
): SubscriptionView {
  return createView(ctx, view.order, view.item, next, now);
}

function createView(
  ctx: SandboxContext,
  order: StoredOrder,
  item: NormalizedLineItem,
  stored: StoredSubscription | undefined,
  now: number,
): SubscriptionView {
  const id = createSubscriptionId(order.id, item.lineItemNumber);
  const offer = ctx.catalog.byId.get(item.offerId.toUpperCase());
  const status = readOrderStatus(order, now) === "cancelled" ? "suspended" : (stored?.status ?? "active");
  const quantity = stored?.quantity ?? item.quantity;
  const friendlyName = stored?.friendlyName ?? item.friendlyName ?? offer?.name ?? item.offerId;
  const view: SubscriptionView = {
    id,
    order,
    item,
    offer,
    quantity,
    status,
    friendlyName,
    etag: createEtag(id, quantity, status, friendlyName),
  };
  if (isNewCommerceLicense(item.offerId, offer?.kind))
    view.cancellationAllowedUntilMs = order.createdAtMs + CANCELLATION_WINDOW_MS;
  return view;
}

/** A partner's customer's subscriptions, in order creation order. */
export function selectCustomerSubscriptions(
  ctx: SandboxContext,
  partnerTenantId: string,
  customerId: string,
  now: number,
): SubscriptionView[] {
  const orders = ctx.store.ordersByCustomer.get(createCustomerKey(partnerTenantId, customerId)) ?? [];
  return orders.flatMap((order) => selectOrderSubscriptions(ctx, order, now));
}

/** The subscription with this id (any case), of this partner's customer when given; else of anyone. */
export function findSubscription(
  ctx: SandboxContext,
  id: string,
  now: number,
  owner?: { partnerTenantId: string; customerId: string },
): SubscriptionView | undefined {
  const wanted = id.toLowerCase();
  const orders =
    owner === undefined
      ? ctx.store.orders.values()
      : (ctx.store.ordersByCustomer.get(createCustomerKey(owner.partnerTenantId, owner.customerId)) ?? []);
  for (const order of orders) {
    const found = selectOrderSubscriptions(ctx, order, now).find((view) => view.id === wanted);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function createSubscriptionNotFound(id: string): ApiError {
  return createApiError(404, "20003", `Subscription with id ${id} not found.`);
}

/** The stored form of a view with some of its state changed. */
export function createStoredSubscription(
  ctx: SandboxContext,
  view: SubscriptionView,
  change: { quantity?: number; status?: StoredSubscriptionStatus; friendlyName?: string },
): StoredSubscription {
  return {
    id: view.id,
    partnerTenantId: view.order.partnerTenantId,
    customerId: view.order.customerId,
    orderId: view.order.id,
    lineItemNumber: view.item.lineItemNumber,
    quantity: change.quantity ?? view.quantity,
    // A cancelled order shows its subscriptions suspended; what was stored stays as it was.
    status: change.status ?? ctx.store.subscriptions.get(view.id)?.status ?? "active",
    friendlyName: change.friendlyName ?? view.friendlyName,
  };
}

/** A status the admin API may set; undefined for anything else. */
export function normalizeSubscriptionStatus(value: unknown): StoredSubscriptionStatus | undefined {
  if (typeof value !== "string") return undefined;
  const lower = value.toLowerCase();
  return SUBSCRIPTION_STATUSES.find((s) => s === lower);
}

/**
 * The change a PATCH body asks for, checked as Partner Center checks it: the body is the full
 * Subscription resource with the new quantity ("change the quantity of a subscription") or name;
 * read-only fields must be as they are (3000), the billing cycle is changed by PATCHing the order
 * (2054), a stale attributes.etag is 2055, and a quantity change needs an active subscription
 * (2001), an offer that takes quantity changes (800027), the offer's bounds (2002), the
 * integration sandbox's licence limit (800018), and, for a decrease of a new-commerce licence,
 * the cancellation window (900117). undefined `next`: nothing to change.
 */
export function checkSubscriptionPatch(
  ctx: SandboxContext,
  view: SubscriptionView,
  body: unknown,
  now: number,
): { ok: true; next: StoredSubscription | undefined } | { ok: false; error: ApiError } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return fail(400, "800002", "Invalid request input: the body must be a Subscription resource.");
  const patch = createLowerKeyed(body as Record<string, unknown>);
  if (
    patch.id !== undefined &&
    patch.id !== null &&
    (typeof patch.id !== "string" || patch.id.toLowerCase() !== view.id)
  )
    return fail(400, "800002", `Invalid request input: the body's id is not ${view.id}.`);
  const readOnly: [string, string | undefined][] = [
    ["offerid", view.item.offerId],
    ["orderid", view.order.id],
    ["termduration", view.item.termDuration],
  ];
  for (const [key, current] of readOnly) {
    const sent = patch[key];
    if (sent === undefined || sent === null) continue;
    if (typeof sent !== "string" || sent.toLowerCase() !== (current ?? "").toLowerCase())
      return fail(400, "3000", `Invalid property: ${key} cannot be changed.`);
  }
  if (
    typeof patch.billingcycle === "string" &&
    normalizeBillingCycle(patch.billingcycle) !== view.order.billingCycle
  )
    return fail(
      400,
      "2054",
      "The billing cycle for an existing subscription cannot be updated using update-subscription operation. Please use update-Order operation",
    );
  if (typeof patch.status === "string" && patch.status.toLowerCase() !== view.status)
    return fail(
      400,
      "800002",
      "Invalid request input: the sandbox changes a subscription's quantity and friendly name only.",
    );
  if (
    typeof patch.autorenewenabled === "boolean" &&
    patch.autorenewenabled !== (view.item.renewsTo !== undefined)
  )
    return fail(
      400,
      "800002",
      "Invalid request input: the sandbox changes a subscription's quantity and friendly name only.",
    );
  const attributes = patch.attributes;
  if (typeof attributes === "object" && attributes !== null) {
    const etag = createLowerKeyed(attributes as Record<string, unknown>).etag;
    if (typeof etag === "string" && etag !== view.etag) return fail(400, "2055", "Etag is no longer valid");
  }
  const quantity = patch.quantity;
  if (!Number.isInteger(quantity))
    return fail(
      400,
      "800002",
      "Invalid request input: quantity must be an integer (a full Subscription resource is required).",
    );
  const friendlyName = typeof patch.friendlyname === "string" ? patch.friendlyname : view.friendlyName;
  if (quantity !== view.quantity) {
    const problem = findQuantityProblem(ctx, view, quantity as number, now);
    if (problem !== undefined) return { ok: false, error: problem };
  }
  if (quantity === view.quantity && friendlyName === view.friendlyName) return { ok: true, next: undefined };
  return {
    ok: true,
    next: createStoredSubscription(ctx, view, { quantity: quantity as number, friendlyName }),
  };
}

function findQuantityProblem(
  ctx: SandboxContext,
  view: SubscriptionView,
  quantity: number,
  now: number,
): ApiError | undefined {
  if (view.status !== "active")
    return createApiError(
      400,
      "2001",
      "Subscription quantity cannot be increased or decreased while subscription is being suspended",
    );
  if (view.offer?.kind === "reservedInstance")
    return createApiError(403, "800027", "The catalog item is not eligible for add or remove quantity");
  const min = view.offer?.minQuantity ?? 1;
  const max = view.offer?.maxQuantity ?? Number.MAX_SAFE_INTEGER;
  if (quantity < min || quantity > max)
    return createApiError(
      400,
      "2002",
      `Subscription quantity is not within minimum and maximum allowed quantity (${min} to ${max}; got ${quantity}).`,
    );
  if (ctx.options.sandboxLimits !== false && quantity > SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION)
    return createApiError(
      400,
      "800018",
      `The sandbox limit has been met: at most ${SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION} licenses per subscription.`,
    );
  if (
    quantity < view.quantity &&
    view.cancellationAllowedUntilMs !== undefined &&
    now >= view.cancellationAllowedUntilMs
  ) {
    const days = Math.round(CANCELLATION_WINDOW_MS / 86_400_000);
    return createApiError(
      400,
      "900117",
      `You have passed your ${days}-day cancellation window. We are unable to cancel your purchase`,
    );
  }
  return undefined;
}

/** Changes whenever what a PATCH may change changes (attributes.etag; 2055 when stale). */
function createEtag(id: string, quantity: number, status: string, friendlyName: string): string {
  return createHash("sha1").update(`${id}|${quantity}|${status}|${friendlyName}`).digest("base64url");
}

function isNewCommerceLicense(offerId: string, kind: string | undefined): boolean {
  return kind === "license" && isNewCommerceOffer(offerId);
}

function fail(status: number, code: string, description: string): { ok: false; error: ApiError } {
  return { ok: false, error: createApiError(status, code, description) };
}
