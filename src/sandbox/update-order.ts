/**
 * PATCH /v1/customers/{customerId}/orders/{orderId}: the documented order updates, a write route of
 * request-ids.ts (MS-RequestId replay, durable before the answer). What the body asks decides the
 * update, as on Partner Center's pages (docs/sandbox.md):
 * - `status: cancelled` and no line items: cancel the order (the integration sandbox's cancel);
 * - `status: cancelled` with line items: cancel those line items of a software purchase (their
 *   quantity becomes 0; the order is cancelled once none is left);
 * - line items with a `parentSubscriptionId`: buy add-ons to that subscription of this order (they
 *   are appended as new line items);
 * - another `billingCycle` with the order's line items: change the order's billing cycle.
 * Names and enum values are matched case-insensitively, as for a create.
 */
import type { Json, SandboxContext } from "./context.js";
import type { ApiError, NormalizedLineItem } from "./order-request.js";
import {
  createApiError,
  createLowerKeyed,
  normalizeBillingCycle,
  normalizeOrderStatus,
} from "./order-request.js";
import { findOrder } from "./order-routes.js";
import { createSubscriptionId, renderOrder } from "./render.js";
import { createReplayableWriteHandler } from "./request-ids.js";
import { createErrorAnswer, createJsonAnswer } from "./respond.js";
import type { StoredOrder } from "./store.js";

type UpdateResult = { ok: true; order: StoredOrder } | { ok: false; error: ApiError };

export const handleUpdateOrder = createReplayableWriteHandler({
  selectTarget: (request) => `${request.customer.id}/orders/${request.params.orderId ?? ""}`,
  createOutcome(ctx, request, body, _requestId, now) {
    const orderId = request.params.orderId ?? "";
    const order = findOrder(ctx, request.partnerTenantId, request.customer.id, orderId);
    const result: UpdateResult =
      order === undefined
        ? { ok: false, error: createApiError(404, "20000", `Order Id not found: ${orderId}`) }
        : createUpdatedOrder(ctx, order, body);
    if (!result.ok) return { answer: createErrorAnswer(result.error, ctx.options.numericErrorCodes) };
    const updated = result.order;
    return {
      answer: createJsonAnswer(200, renderOrder(updated, ctx.catalog, now)),
      store: (records) => ctx.store.writeOrders([updated], records),
    };
  },
});

function fail(code: string, description: string): UpdateResult {
  return { ok: false, error: createApiError(400, code, description) };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function createUpdatedOrder(ctx: SandboxContext, order: StoredOrder, body: unknown): UpdateResult {
  if (!isObject(body)) return fail("800002", "Invalid request input: the body must be a JSON object.");
  const patch = createLowerKeyed(body);
  const rawLines: unknown[] = Array.isArray(patch.lineitems) ? patch.lineitems : [];
  if (!rawLines.every(isObject)) return fail("800002", "Invalid request input: lineItems must be objects.");
  const lines = rawLines.map((line) => createLowerKeyed(line as Json));
  if (patch.status !== undefined && patch.status !== null) {
    const status = typeof patch.status === "string" ? normalizeOrderStatus(patch.status) : undefined;
    if (status === undefined) {
      return fail(
        "900126",
        `Unable to parse enum: '${JSON.stringify(patch.status)}' is not a valid OrderStatus.`,
      );
    }
    if (status !== "cancelled") {
      return fail("800002", "Invalid request input: an order's status can only be changed to cancelled.");
    }
    if (order.status === "cancelled")
      return fail("800061", "Order cannot be cancelled: it is already cancelled.");
    return lines.length === 0
      ? { ok: true, order: { ...order, status: "cancelled" } }
      : cancelLineItems(order, lines);
  }
  if (lines.some((line) => typeof line.parentsubscriptionid === "string"))
    return addAddOns(ctx, order, lines);
  if (typeof patch.billingcycle === "string") return changeBillingCycle(ctx, order, patch.billingcycle);
  return fail("800002", "Invalid request input: the body asks for no documented order update.");
}

function readLineNumbers(order: StoredOrder, lines: Json[]): number[] | undefined {
  const numbers = lines.map((line) => line.lineitemnumber);
  const valid = numbers.every(
    (n) => typeof n === "number" && order.lineItems.some((item) => item.lineItemNumber === n),
  );
  return valid ? (numbers as number[]) : undefined;
}

/** Cancel software purchases: the listed line items' quantity becomes 0. */
function cancelLineItems(order: StoredOrder, lines: Json[]): UpdateResult {
  const numbers = readLineNumbers(order, lines);
  if (numbers === undefined) {
    return fail(
      "800071",
      `Line Item number should be from 0 to number of line items count (${order.lineItems.length}).`,
    );
  }
  const lineItems = order.lineItems.map((item) =>
    numbers.includes(item.lineItemNumber) ? { ...item, quantity: 0 } : item,
  );
  const status = lineItems.every((item) => item.quantity === 0) ? "cancelled" : order.status;
  return { ok: true, order: { ...order, lineItems, status } };
}

/** Add-ons: new line items of this order, each under a subscription the order made. */
function addAddOns(ctx: SandboxContext, order: StoredOrder, lines: Json[]): UpdateResult {
  const added: NormalizedLineItem[] = [];
  for (const line of lines) {
    const parent = String(line.parentsubscriptionid).toLowerCase();
    if (!order.lineItems.some((item) => createSubscriptionId(order.id, item.lineItemNumber) === parent)) {
      return fail(
        "800002",
        `Invalid request input: subscription ${parent} is not a subscription of order ${order.id}.`,
      );
    }
    const offer =
      typeof line.offerid === "string" ? ctx.catalog.byId.get(line.offerid.trim().toUpperCase()) : undefined;
    if (offer === undefined) return fail("800004", `Invalid offer Id: ${String(line.offerid)}.`);
    if (!Number.isInteger(line.quantity) || (line.quantity as number) < 1) {
      return fail("800002", "Invalid request input: quantity must be a positive integer.");
    }
    const item: NormalizedLineItem = {
      lineItemNumber: order.lineItems.length + added.length,
      offerId: offer.offerId,
      quantity: line.quantity as number,
    };
    if (typeof line.friendlyname === "string") item.friendlyName = line.friendlyname;
    added.push(item);
  }
  return { ok: true, order: { ...order, lineItems: [...order.lineItems, ...added] } };
}

/** Change the billing cycle of every line item of the order, where each offer allows it. */
function changeBillingCycle(ctx: SandboxContext, order: StoredOrder, value: string): UpdateResult {
  const billingCycle = normalizeBillingCycle(value);
  if (billingCycle === undefined)
    return fail("900126", `Unable to parse enum: '${value}' is not a valid BillingCycleType.`);
  for (const item of order.lineItems) {
    const offer = ctx.catalog.byId.get(item.offerId.toUpperCase());
    if (offer !== undefined && !offer.billingCycles.includes(billingCycle)) {
      return fail(
        "800002",
        `Invalid request input: billing cycle '${billingCycle}' is not available for offer ${offer.offerId}.`,
      );
    }
  }
  return { ok: true, order: { ...order, billingCycle } };
}
