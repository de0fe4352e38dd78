/**
 * The admin API under /_sandbox/: what tests, benchmarks and `orderform sandbox` users do behind
 * the Partner Center API's back. Health, registering partners and customers, listing, seeding and
 * changing orders, reading and changing subscriptions (drift), fault configuration, traffic stats,
 * and reset.
 *
 * Contract: loopback peers only (403 otherwise); a body, when given, is JSON (400 otherwise); every
 * failure is {error: message}; an unknown admin route is 404. These calls are left out of the
 * traffic stats. Bulk seeding (POST /_sandbox/orders) writes all its orders in one fsynced append.
 * See docs/sandbox.md.
 */
import { MAX_ADMIN_BODY, GUID, createStoredCustomer } from "./context.js";
import type { Exchange, Json, RouteMatch, SandboxContext } from "./context.js";
import { SANDBOX_PARTNER } from "./defaults.js";
import type { SandboxCustomer, SandboxPartner } from "./defaults.js";
import { parseFaultConfig } from "./faults.js";
import { createBodyFingerprint, normalizeOrderStatus, parseCreateOrderRequest } from "./order-request.js";
import { createStoredOrder } from "./create-order.js";
import { renderOrder, renderSubscription } from "./render.js";
import { createRequestIdExpiry } from "./request-ids.js";
import { readRequestBody } from "./request-body.js";
import type { Answer } from "./respond.js";
import { createJsonAnswer, sendAnswer } from "./respond.js";
import type {
  RequestRecord,
  StoredCustomer,
  StoredOrder,
  StoredOrderStatus,
  StoredSubscriptionStatus,
} from "./store.js";
import {
  createChangedView,
  createStoredSubscription,
  findSubscription,
  normalizeSubscriptionStatus,
} from "./subscriptions.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const ORDER_PATH = "/_sandbox/orders/";
const SUBSCRIPTION_PATH = "/_sandbox/subscriptions/";

/** A checked admin request: its parsed JSON body (undefined when empty) and the time it is handled. */
interface AdminRequest {
  readonly body: unknown;
  readonly now: number;
}

type AdminAnswerer = (
  ctx: SandboxContext,
  request: AdminRequest,
  exchange: Exchange,
  match: RouteMatch,
) => Answer | Promise<Answer>;

/** A route handler from an answer: the loopback and JSON checks, then the answer. */
export function createAdminHandler(
  answer: AdminAnswerer,
): (ctx: SandboxContext, exchange: Exchange, match: RouteMatch) => Promise<void> {
  return async (ctx, exchange, match) => {
    const { req, method } = exchange;
    const template = `${method} ${match.pattern}`;
    if (!LOOPBACK.has(req.socket.remoteAddress ?? "")) {
      return sendAnswer(
        ctx,
        exchange,
        template,
        createAdminError(403, "the admin API answers loopback peers only"),
      );
    }
    const text = method === "GET" ? "" : await readRequestBody(req, MAX_ADMIN_BODY);
    let body: unknown = undefined;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        return sendAnswer(ctx, exchange, template, createAdminError(400, "body is not valid JSON"));
      }
    }
    sendAnswer(ctx, exchange, template, await answer(ctx, { body, now: ctx.now() }, exchange, match));
  };
}

/** An admin path that is no route, or a route asked with another method. */
export const handleAdminNotFound = createAdminHandler((_ctx, _request, { method, path }) =>
  createAdminError(404, `no admin route ${method} ${path}`),
);

export const handleHealth = createAdminHandler((ctx) =>
  createJsonAnswer(200, {
    status: "ok",
    partners: ctx.store.partners.size,
    customers: ctx.store.customers.size,
    orders: ctx.store.orders.size,
  }),
);

export const handleAddPartners = createAdminHandler((ctx, { body }) => {
  const items = Array.isArray(body) ? body : [body];
  const partners: SandboxPartner[] = [];
  for (const item of items) {
    const p = item as Partial<SandboxPartner> | null;
    if (p === null || typeof p !== "object" || typeof p.tenantId !== "string" || !GUID.test(p.tenantId)) {
      return createAdminError(400, "each partner needs a GUID tenantId, a clientId and a clientSecret");
    }
    if (typeof p.clientId !== "string" || typeof p.clientSecret !== "string") {
      return createAdminError(400, "each partner needs a GUID tenantId, a clientId and a clientSecret");
    }
    partners.push({ ...(p as SandboxPartner), tenantId: p.tenantId.toLowerCase() });
  }
  ctx.store.writePartners(partners);
  return createJsonAnswer(200, {
    count: partners.length,
    items: partners.map((p) => ({ tenantId: p.tenantId, clientId: p.clientId })),
  });
});

export const handleAddCustomers = createAdminHandler((ctx, { body }) => {
  const items = Array.isArray(body) ? body : [body];
  const customers: StoredCustomer[] = [];
  for (const [index, item] of items.entries()) {
    const c = item as Partial<SandboxCustomer> | null;
    if (c === null || typeof c !== "object" || typeof c.id !== "string" || !GUID.test(c.id)) {
      return createAdminError(400, `customers[${index}]: id must be a GUID`);
    }
    const partner = (c.partnerTenantId ?? SANDBOX_PARTNER.tenantId).toLowerCase();
    if (!ctx.store.partners.has(partner))
      return createAdminError(400, `customers[${index}]: unknown partnerTenantId ${partner}`);
    if (c.indirectReseller !== undefined && typeof c.indirectReseller !== "boolean")
      return createAdminError(400, `customers[${index}]: indirectReseller must be a boolean`);
    // The company profile as the Customer resource nests it, or its two fields at the top level.
    const profile = (item as { companyProfile?: { companyName?: unknown; domain?: unknown } }).companyProfile;
    const companyName = profile?.companyName ?? c.companyName;
    const domain = profile?.domain ?? c.domain;
    if (
      (companyName !== undefined && typeof companyName !== "string") ||
      (domain !== undefined && typeof domain !== "string")
    )
      return createAdminError(400, `customers[${index}]: companyName and domain must be strings`);
    customers.push(
      createStoredCustomer({
        ...(c as SandboxCustomer),
        partnerTenantId: partner,
        ...(companyName === undefined ? {} : { companyName }),
        ...(domain === undefined ? {} : { domain }),
      }),
    );
  }
  ctx.store.writeCustomers(customers);
  return createJsonAnswer(200, { count: customers.length, items: customers });
});

export const handleListAllOrders = createAdminHandler((ctx, { now }, { query }) => {
  const filter = query.get("customer")?.toLowerCase();
  const items: Json[] = [];
  for (const order of ctx.store.orders.values()) {
    if (filter !== undefined && order.customerId !== filter) continue;
    items.push(renderAdminOrder(ctx, order, now));
  }
  return createJsonAnswer(200, { totalCount: items.length, items });
});

/** Inserts orders behind the /v1 API (seeding for tests and benchmarks); one fsync per batch. */
export const handleInsertOrders = createAdminHandler((ctx, { body, now }, { query }) => {
  const compact = query.get("compact") === "1";
  const items = Array.isArray(body) ? body : [body];
  const orders: StoredOrder[] = [];
  const records: RequestRecord[] = [];
  const newCustomers = new Map<string, StoredCustomer>();
  const taken = new Set<string>();
  for (const [index, raw] of items.entries()) {
    if (typeof raw !== "object" || raw === null)
      return createAdminError(400, `orders[${index}]: must be an object`);
    const entry = raw as Json;
    const customerId = typeof entry.customer === "string" ? entry.customer.toLowerCase() : "";
    if (!GUID.test(customerId)) return createAdminError(400, `orders[${index}]: customer must be a GUID`);
    const partner = (
      typeof entry.partnerTenantId === "string" ? entry.partnerTenantId : SANDBOX_PARTNER.tenantId
    ).toLowerCase();
    if (!ctx.store.partners.has(partner))
      return createAdminError(400, `orders[${index}]: unknown partnerTenantId ${partner}`);
    let customer = ctx.store.customers.get(customerId) ?? newCustomers.get(customerId);
    if (customer === undefined) {
      // Unknown customers are registered on the fly so a benchmark can seed in one call.
      customer = createStoredCustomer({
        id: customerId,
        companyName: `Customer ${customerId.slice(0, 8)}`,
        partnerTenantId: partner,
      });
      newCustomers.set(customerId, customer);
    }
    if (customer.partnerTenantId !== partner) {
      return createAdminError(
        400,
        `orders[${index}]: customer ${customerId} belongs to partner ${customer.partnerTenantId}`,
      );
    }
    const orderBody = entry.order !== undefined ? entry.order : createOrderBodyOf(entry);
    const parsed = parseCreateOrderRequest(orderBody, {
      catalog: ctx.catalog,
      azureSubscriptions: customer.azureSubscriptions,
    });
    if (!parsed.ok)
      return createAdminError(400, `orders[${index}]: ${parsed.error.code} ${parsed.error.description}`);
    let createdAt = now;
    let creationDate: string | undefined;
    if (typeof entry.creationDate === "string") {
      createdAt = Date.parse(entry.creationDate);
      if (Number.isNaN(createdAt))
        return createAdminError(400, `orders[${index}]: creationDate is not a date`);
      creationDate = entry.creationDate;
    }
    const statusRaw = typeof entry.status === "string" ? normalizeOrderStatus(entry.status) : "completed";
    if (statusRaw === undefined || statusRaw === "unknown")
      return createAdminError(400, `orders[${index}]: status must be pending, completed or cancelled`);
    const status = statusRaw as StoredOrderStatus;
    const requestId = typeof entry.requestId === "string" ? entry.requestId : undefined;
    const order = createStoredOrder(ctx, partner, customerId, parsed.value, requestId, createdAt, {
      visibleAtMs: createdAt,
      provisionAtMs: status === "pending" ? Number.MAX_SAFE_INTEGER : createdAt,
      status,
      ...(creationDate === undefined ? {} : { creationDate }),
    });
    if (taken.has(order.id)) return createAdminError(500, "order id collision; retry");
    taken.add(order.id);
    orders.push(order);
    if (requestId !== undefined) {
      records.push({
        partnerTenantId: partner,
        requestId,
        fingerprint: createBodyFingerprint(customerId, orderBody),
        status: 201,
        body: JSON.stringify(renderOrder(order, ctx.catalog, createdAt, true)),
        orderId: order.id,
        expiresAtMs: createRequestIdExpiry(ctx, now),
      });
    }
  }
  if (newCustomers.size > 0) ctx.store.writeCustomers([...newCustomers.values()]);
  ctx.store.writeOrders(orders, records.length > 0 ? records : undefined);
  // compact: ids only, because rendering 20,000 full orders costs more than storing them.
  const rendered = compact
    ? orders.map((o) => ({
        id: o.id,
        partnerTenantId: o.partnerTenantId,
        customerId: o.customerId,
        requestId: o.requestId ?? null,
      }))
    : orders.map((o) => renderAdminOrder(ctx, o, now));
  return createJsonAnswer(200, { count: orders.length, items: rendered });
});

/** Changes an order behind orderform's back, for drift tests. */
export const handlePatchOrder = createAdminHandler((ctx, { body, now }, { path }) => {
  const orderId = decodeURIComponent(path.slice(ORDER_PATH.length));
  const order = ctx.store.orders.get(orderId);
  if (order === undefined) return createAdminError(404, `no order ${orderId}`);
  if (typeof body !== "object" || body === null) return createAdminError(400, "body must be a JSON object");
  const patch = body as { status?: unknown; quantity?: unknown; lineItems?: unknown };
  const updated: StoredOrder = { ...order, lineItems: order.lineItems.map((l) => ({ ...l })) };
  if (patch.status !== undefined) {
    const status = typeof patch.status === "string" ? normalizeOrderStatus(patch.status) : undefined;
    if (status === undefined || status === "unknown")
      return createAdminError(400, "status must be pending, completed or cancelled");
    updated.status = status as StoredOrderStatus;
    if (status === "completed") updated.provisionAtMs = Math.min(updated.provisionAtMs, now);
    if (status === "pending") updated.provisionAtMs = Number.MAX_SAFE_INTEGER;
  }
  const lineChanges: { lineItemNumber: number; quantity?: unknown }[] = [];
  if (patch.quantity !== undefined) lineChanges.push({ lineItemNumber: 0, quantity: patch.quantity });
  if (Array.isArray(patch.lineItems))
    lineChanges.push(...(patch.lineItems as { lineItemNumber: number; quantity?: unknown }[]));
  for (const change of lineChanges) {
    const line = updated.lineItems.find((l) => l.lineItemNumber === change.lineItemNumber);
    if (line === undefined) return createAdminError(400, `no line item ${String(change.lineItemNumber)}`);
    if (change.quantity !== undefined) {
      if (!Number.isInteger(change.quantity) || (change.quantity as number) < 1)
        return createAdminError(400, "quantity must be a positive integer");
      line.quantity = change.quantity as number;
    }
  }
  ctx.store.writeOrders([updated]);
  return createJsonAnswer(200, renderAdminOrder(ctx, updated, now));
});

/** A subscription as its routes show it, found by id alone. */
export const handleGetAdminSubscription = createAdminHandler((ctx, { now }, { path }) => {
  const id = decodeURIComponent(path.slice(SUBSCRIPTION_PATH.length));
  const view = findSubscription(ctx, id, now);
  if (view === undefined) return createAdminError(404, `no subscription ${id}`);
  return createJsonAnswer(200, renderSubscription(view));
});

/**
 * Changes a subscription's quantity or status behind orderform's back (drift), bypassing the
 * PATCH rules: any positive quantity, status active, suspended or deleted.
 */
export const handlePatchAdminSubscription = createAdminHandler((ctx, { body, now }, { path }) => {
  const id = decodeURIComponent(path.slice(SUBSCRIPTION_PATH.length));
  const view = findSubscription(ctx, id, now);
  if (view === undefined) return createAdminError(404, `no subscription ${id}`);
  if (typeof body !== "object" || body === null) return createAdminError(400, "body must be a JSON object");
  const patch = body as { quantity?: unknown; status?: unknown };
  const change: { quantity?: number; status?: StoredSubscriptionStatus } = {};
  if (patch.quantity !== undefined) {
    if (!Number.isInteger(patch.quantity) || (patch.quantity as number) < 1)
      return createAdminError(400, "quantity must be a positive integer");
    change.quantity = patch.quantity as number;
  }
  if (patch.status !== undefined) {
    const status = normalizeSubscriptionStatus(patch.status);
    if (status === undefined) return createAdminError(400, "status must be active, suspended or deleted");
    change.status = status;
  }
  const next = createStoredSubscription(ctx, view, change);
  ctx.store.writeSubscriptions([next]);
  return createJsonAnswer(200, renderSubscription(createChangedView(ctx, view, next, now)));
});

export const handlePutFaults = createAdminHandler((ctx, { body }) => {
  const config = parseFaultConfig(body ?? {});
  if (!config.ok) return createAdminError(400, config.message);
  ctx.faults.configure(config.value);
  return createJsonAnswer(200, config.value);
});

export const handleGetFaults = createAdminHandler((ctx) => createJsonAnswer(200, ctx.faults.current));

export const handleStats = createAdminHandler((ctx) => {
  const routes: Record<string, Record<string, number>> = {};
  let total = 0;
  for (const [route, counts] of ctx.stats) {
    routes[route] = Object.fromEntries(counts);
    for (const n of counts.values()) total += n;
  }
  return createJsonAnswer(200, { total, routes });
});

export const handleReset = createAdminHandler((ctx, { now }) => {
  ctx.store.reset(ctx.basePartners, ctx.baseCustomers, now);
  ctx.faults.configure({});
  ctx.stats.clear();
  ctx.rateWindows.clear();
  ctx.inFlight.clear();
  ctx.apps.clear();
  ctx.issuer.requestTokens.clear();
  return createJsonAnswer(200, { status: "reset" });
});

function renderAdminOrder(ctx: SandboxContext, order: StoredOrder, now: number): Json {
  return {
    partnerTenantId: order.partnerTenantId,
    customerId: order.customerId,
    requestId: order.requestId ?? null,
    visibleInList: order.visibleAtMs <= now,
    order: renderOrder(order, ctx.catalog, now),
  };
}

/** A seeded order given inline: the entry without the admin API's own keys. */
function createOrderBodyOf(entry: Json): Json {
  const { customer: _c, partnerTenantId: _p, creationDate: _d, status: _s, requestId: _r, ...rest } = entry;
  return rest;
}

export function createAdminError(status: number, message: string): Answer {
  return createJsonAnswer(status, { error: message });
}
