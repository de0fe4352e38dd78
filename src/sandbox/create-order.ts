/**
 * POST /v1/customers/{customerId}/orders: creating an order, a write route of request-ids.ts (the
 * customer checks of order-routes.ts, a JSON body, the MS-RequestId rules, the injected faults); then validation as Partner Center does it (order-request.ts) and the
 * integration sandbox's limits (800018). The new order and its request record are written in one
 * fsynced append before the 201 goes out, so a commit-then-drop fault loses the answer, never the
 * order. A new order is pending until `provisioningDelayMs` and missing from the customer's list
 * until `listDelayMs`. See docs/sandbox.md and docs/exactly-once.md.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION, SANDBOX_MAX_SUBSCRIPTIONS_PER_CUSTOMER } from "./defaults.js";
import type { Json, SandboxContext } from "./context.js";
import type { ApiError, NormalizedOrderRequest } from "./order-request.js";
import { createApiError, parseCreateOrderRequest } from "./order-request.js";
import { renderOrder } from "./render.js";
import { createReplayableWriteHandler } from "./request-ids.js";
import { createErrorAnswer, createJsonAnswer } from "./respond.js";
import { createCustomerKey } from "./store.js";
import type { StoredCustomer, StoredOrder, StoredOrderStatus } from "./store.js";

/** When an order becomes visible in lists and provisioned, and its status now. */
export interface OrderTiming {
  visibleAtMs: number;
  provisionAtMs: number;
  status: StoredOrderStatus;
  creationDate?: string;
}

export const handleCreateOrder = createReplayableWriteHandler({
  selectTarget: (request) => request.customer.id,
  createOutcome(ctx, { partnerTenantId, customer }, body, requestId, now) {
    const result = createValidOrder(ctx, partnerTenantId, customer, body, requestId, now);
    if (!result.ok) return { answer: createErrorAnswer(result.error, ctx.options.numericErrorCodes) };
    const order = result.order;
    return {
      answer: createJsonAnswer(201, result.body),
      orderId: order.id,
      store: (records) => ctx.store.writeOrders([order], records),
    };
  },
});

function createValidOrder(
  ctx: SandboxContext,
  partnerTenantId: string,
  customer: StoredCustomer,
  body: unknown,
  requestId: string | undefined,
  now: number,
): { ok: true; order: StoredOrder; body: Json } | { ok: false; error: ApiError } {
  const parsed = parseCreateOrderRequest(body, {
    catalog: ctx.catalog,
    azureSubscriptions: customer.azureSubscriptions,
  });
  if (!parsed.ok) return parsed;
  if (ctx.options.sandboxLimits !== false) {
    const limit = findSandboxLimitError(ctx, partnerTenantId, customer.id, parsed.value);
    if (limit !== undefined) return { ok: false, error: limit };
  }
  const order = createStoredOrder(ctx, partnerTenantId, customer.id, parsed.value, requestId, now, {
    visibleAtMs: now + (ctx.options.listDelayMs ?? 0),
    provisionAtMs: now + (ctx.options.provisioningDelayMs ?? 0),
    status: "pending",
  });
  return { ok: true, order, body: renderOrder(order, ctx.catalog, now, true) };
}

/** 800018 when the order would pass the integration sandbox's licence or subscription limits. */
function findSandboxLimitError(
  ctx: SandboxContext,
  partnerTenantId: string,
  customerId: string,
  request: NormalizedOrderRequest,
): ApiError | undefined {
  const over = request.lineItems.find((l) => l.quantity > SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION);
  if (over !== undefined) {
    return createApiError(
      400,
      "800018",
      `The sandbox limit has been met: at most ${SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION} licenses per subscription (line item ${over.lineItemNumber} asks for ${over.quantity}).`,
    );
  }
  const orders = ctx.store.ordersByCustomer.get(createCustomerKey(partnerTenantId, customerId)) ?? [];
  let subscriptions = 0;
  for (const order of orders) if (order.status !== "cancelled") subscriptions += order.lineItems.length;
  if (subscriptions + request.lineItems.length > SANDBOX_MAX_SUBSCRIPTIONS_PER_CUSTOMER) {
    return createApiError(
      400,
      "800018",
      `The sandbox limit has been met: at most ${SANDBOX_MAX_SUBSCRIPTIONS_PER_CUSTOMER} subscriptions per customer (${subscriptions} exist).`,
    );
  }
  return undefined;
}

/**
 * A new order with an id no stored order has: 12 hex digits for catalog (NCE) orders, a GUID for
 * legacy ones. Not stored yet. Also used by the admin API's bulk insert.
 */
export function createStoredOrder(
  ctx: SandboxContext,
  partnerTenantId: string,
  customerId: string,
  request: NormalizedOrderRequest,
  requestId: string | undefined,
  now: number,
  timing: OrderTiming,
): StoredOrder {
  const catalogOrder = request.lineItems.some((l) => l.offerId.includes(":"));
  let id: string;
  do {
    id = catalogOrder ? randomBytes(6).toString("hex") : randomUUID();
  } while (ctx.store.orders.has(id));
  const order: StoredOrder = {
    id,
    partnerTenantId,
    customerId,
    billingCycle: request.billingCycle,
    currencyCode: "USD",
    lineItems: request.lineItems,
    creationDate: timing.creationDate ?? createCreationDate(now),
    createdAtMs: now,
    visibleAtMs: timing.visibleAtMs,
    provisionAtMs: timing.provisionAtMs,
    status: timing.status,
  };
  if (catalogOrder) order.alternateId = id;
  if (requestId !== undefined) order.requestId = requestId;
  if (request.partnerOnRecordAttestationAccepted !== undefined) {
    order.partnerOnRecordAttestationAccepted = request.partnerOnRecordAttestationAccepted;
  }
  return order;
}

/** Partner Center's creationDate has 7 fractional digits ("2021-08-17T18:13:11.3122226Z"). */
let subMillisecond = 0;
function createCreationDate(nowMs: number): string {
  subMillisecond = (subMillisecond + 1) % 10_000;
  return `${new Date(nowMs).toISOString().slice(0, -1)}${String(subMillisecond).padStart(4, "0")}Z`;
}
