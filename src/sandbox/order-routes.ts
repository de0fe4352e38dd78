/**
 * The Partner Center order routes under /v1/customers/{customerId}: list orders, get an order,
 * its provisioning status and a line item's activation links. Creating an order
 * is create-order.ts, updating it (PATCH) update-order.ts; the subscriptions an order makes are subscription-routes.ts.
 *
 * Contract of every route here, in this order: a bearer token this sandbox issued (401), a slot in
 * the rate window when the route is rate limited (429), a known customer of that partner (400
 * 900118, 403 20002), an App+User token where the route needs one for that customer (403 900150,
 * before any request id is claimed, so the refusal is not replayed), then the injected faults
 * (faults.ts), then the answer. An answer that changes
 * the store is durable before a commit-then-drop fault cuts the connection.
 * See docs/sandbox.md.
 */
import { randomUUID } from "node:crypto";
import { assertNever } from "../core/plan.js";
import { GUID, MAX_V1_BODY } from "./context.js";
import type { AppUserRule, Exchange, IssuedToken, RouteMatch, SandboxContext } from "./context.js";
import { createApiError, normalizeBillingCycle } from "./order-request.js";
import { sendThrottled, takeRateWindowSlot } from "./rate-windows.js";
import { renderCollection, renderOrder, renderProvisioningStatus } from "./render.js";
import { findToken } from "./oauth.js";
import { readRequestBody } from "./request-body.js";
import type { Answer } from "./respond.js";
import {
  createErrorAnswer,
  createJsonAnswer,
  sendAnswer,
  sendApiError,
  sendDrop,
  waitMs,
} from "./respond.js";
import { createCustomerKey } from "./store.js";
import type { StoredCustomer, StoredOrder } from "./store.js";

/** A request to a customer's route that passed the checks: whose it is, and its body (none for GET). */
export interface CustomerRequest {
  readonly partnerTenantId: string;
  readonly customer: StoredCustomer;
  readonly body: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

type CustomerAnswerer = (ctx: SandboxContext, request: CustomerRequest) => Answer;

/** A /v1 path that is no route. */
export async function handleOrderRouteNotFound(ctx: SandboxContext, exchange: Exchange): Promise<void> {
  const { method, path } = exchange;
  sendApiError(
    ctx,
    exchange,
    `${method} /v1/unknown`,
    createApiError(404, "1000", `Not found: ${method} ${path}`),
  );
}

/** A /v1 route asked with a method it does not take. */
export async function handleOrderMethodNotAllowed(
  ctx: SandboxContext,
  exchange: Exchange,
  match: RouteMatch,
): Promise<void> {
  const { method, path } = exchange;
  sendApiError(
    ctx,
    exchange,
    match.template,
    createApiError(405, "0", `Method ${method} is not allowed on ${path}`),
  );
}

/**
 * Checks token, rate window and customer, then reads the body; undefined when one of the checks
 * has already been answered.
 */
export async function readCustomerRequest(
  ctx: SandboxContext,
  exchange: Exchange,
  match: RouteMatch,
): Promise<CustomerRequest | undefined> {
  const { req, method } = exchange;
  const template = match.template;
  const token = readRequestToken(ctx, exchange, template);
  if (token === undefined) return undefined;
  const partnerTenantId = token.partnerTenantId;
  const rawCustomerId = match.params.customerId ?? "";
  const customerId = rawCustomerId.toLowerCase();
  if (match.rateLimited) {
    const retryAfter = takeRateWindowSlot(ctx, partnerTenantId, customerId);
    if (retryAfter !== undefined) {
      sendThrottled(ctx, exchange, template, retryAfter);
      return undefined;
    }
  }
  const customer = ctx.store.customers.get(customerId);
  if (customer === undefined || !GUID.test(customerId)) {
    sendApiError(
      ctx,
      exchange,
      template,
      createApiError(400, "900118", `Invalid Customer Id: ${rawCustomerId}`),
    );
    return undefined;
  }
  if (customer.partnerTenantId !== partnerTenantId) {
    sendApiError(
      ctx,
      exchange,
      template,
      createApiError(403, "20002", "Partner has no commerce relationship with customer."),
    );
    return undefined;
  }
  if (!token.user && needsAppUser(match.appUser, customer)) {
    sendApiError(
      ctx,
      exchange,
      template,
      createApiError(
        403,
        APP_USER_REFUSAL_CODE,
        "The supplied role does not have the rights to perform the requested operation.",
      ),
    );
    return undefined;
  }
  const body = method === "GET" ? undefined : await readRequestBody(req, MAX_V1_BODY);
  return { partnerTenantId, customer, body, params: match.params, query: exchange.query };
}

/** The bearer token the request carries; undefined when a 401 has been answered. */
function readRequestToken(
  ctx: SandboxContext,
  exchange: Exchange,
  template: string,
): IssuedToken | undefined {
  const token = findToken(ctx, exchange);
  if (token !== undefined) return token;
  const missing = !(exchange.req.headers.authorization ?? "").toLowerCase().startsWith("bearer ");
  const error = missing
    ? createApiError(401, "800001", "Partner Token missing in request context.")
    : createApiError(401, "400", "Access denied: the bearer token is invalid or expired.");
  sendApiError(ctx, exchange, template, error, {
    "WWW-Authenticate": `OAuth realm=urn:cpsvc:cpid:${randomUUID()}`,
  });
  return undefined;
}

/** The partner whose bearer token the request carries; undefined when a 401 has been answered. */
export function readRequestPartner(
  ctx: SandboxContext,
  exchange: Exchange,
  template: string,
): string | undefined {
  return readRequestToken(ctx, exchange, template)?.partnerTenantId;
}

/**
 * The code Partner Center's error table gives "The supplied role does not have the rights to perform
 * the requested operation": the answer to an app-only token where App+User is needed (docs/sandbox.md).
 */
const APP_USER_REFUSAL_CODE = "900150";

function needsAppUser(rule: AppUserRule, customer: StoredCustomer): boolean {
  switch (rule) {
    case "never":
      return false;
    case "indirect-reseller-customers":
      return customer.indirectReseller === true;
    default:
      return assertNever(rule);
  }
}

/** A route handler from an answer: the customer checks, then the injected faults, then the answer. */
export function createCustomerRouteHandler(
  answer: CustomerAnswerer,
): (ctx: SandboxContext, exchange: Exchange, match: RouteMatch) => Promise<void> {
  return async (ctx, exchange, match) => {
    const request = await readCustomerRequest(ctx, exchange, match);
    if (request === undefined) return;
    const decision = ctx.faults.decide(exchange.method, exchange.path);
    if (decision.delayMs > 0) await waitMs(decision.delayMs);
    if (decision.throttleSeconds !== undefined)
      return sendThrottled(ctx, exchange, match.template, decision.throttleSeconds);
    if (decision.error !== undefined)
      return sendApiError(ctx, exchange, match.template, decision.error.error);
    const result = answer(ctx, request);
    if (decision.drop) return sendDrop(ctx, exchange, match.template);
    sendAnswer(ctx, exchange, match.template, result);
  };
}

export const handleListOrders = createCustomerRouteHandler((ctx, { partnerTenantId, customer, query }) => {
  const now = ctx.now();
  const customerId = customer.id;
  const billingType = query.get("billingType") ?? query.get("billingtype");
  let cycle: string | undefined;
  if (billingType !== null) {
    cycle = normalizeBillingCycle(billingType);
    if (cycle === undefined)
      return createErrorAnswer(
        createApiError(
          400,
          "900126",
          `Unable to parse enum: '${billingType}' is not a valid BillingCycleType.`,
        ),
        ctx.options.numericErrorCodes,
      );
  }
  const orders = ctx.store.ordersByCustomer.get(createCustomerKey(partnerTenantId, customerId)) ?? [];
  const items: string[] = [];
  for (const order of orders) {
    if (order.visibleAtMs > now) continue;
    if (cycle !== undefined && order.billingCycle !== cycle) continue;
    items.push(renderCachedOrderJson(ctx, order, now));
  }
  // The envelope is spliced around cached order JSON: the list is the hot path of plan.
  const envelope = JSON.stringify(renderCollection([], `/customers/${customerId}/orders`));
  const body = envelope
    .replace('"totalCount":0', `"totalCount":${items.length}`)
    .replace('"items":[]', `"items":[${items.join(",")}]`);
  return { status: 200, body };
});

export const handleGetOrder = createCustomerRouteHandler((ctx, request) =>
  createOrderAnswer(ctx, request, (order, now) => ({
    status: 200,
    body: renderCachedOrderJson(ctx, order, now),
  })),
);

export const handleProvisioningStatus = createCustomerRouteHandler((ctx, request) =>
  createOrderAnswer(ctx, request, (order, now) => {
    const items = renderProvisioningStatus(order, now);
    return createJsonAnswer(
      200,
      renderCollection(items, `/customers/${request.customer.id}/orders/${order.id}/provisioningstatus`),
    );
  }),
);

export const handleActivationLinks = createCustomerRouteHandler((ctx, request) =>
  createOrderAnswer(ctx, request, (order) => {
    const raw = request.params.lineItemNumber ?? "";
    const n = /^\d+$/.test(raw) ? Number(raw) : -1;
    if (n < 0 || n >= order.lineItems.length) {
      return createErrorAnswer(
        createApiError(
          400,
          "800071",
          `Line Item number should be from 0 to number of line items count (${order.lineItems.length}); got ${raw}.`,
        ),
        ctx.options.numericErrorCodes,
      );
    }
    const uri = `/customers/${request.customer.id}/orders/${order.id}/lineitems/${n}/activationlinks`;
    const items = [
      {
        lineItemNumber: n,
        // The integration sandbox returns dummy activation links (docs/sandbox.md).
        link: {
          uri: `https://sandbox.invalid/activate?orderId=${order.id}&lineItemNumber=${n}`,
          method: "GET",
          headers: [],
        },
      },
    ];
    return createJsonAnswer(200, renderCollection(items, uri));
  }),
);

/** The answer about the order of the path's {orderId}: 404 20000 when the partner's customer has none. */
function createOrderAnswer(
  ctx: SandboxContext,
  request: CustomerRequest,
  answer: (order: StoredOrder, now: number) => Answer,
): Answer {
  const now = ctx.now();
  const orderId = request.params.orderId ?? "";
  const order = findOrder(ctx, request.partnerTenantId, request.customer.id, orderId);
  if (order === undefined) {
    return createErrorAnswer(
      createApiError(404, "20000", `Order Id not found: ${orderId}`),
      ctx.options.numericErrorCodes,
    );
  }
  return answer(order, now);
}

/**
 * Rendered order JSON, cached per stored order object. Every change replaces the object (so the
 * cache entry goes with it); the only time-dependent part is pending -> completed, hence validUntil.
 */
function renderCachedOrderJson(ctx: SandboxContext, order: StoredOrder, now: number): string {
  const cached = ctx.renderCache.get(order);
  if (cached !== undefined && now < cached.validUntil) return cached.json;
  const json = JSON.stringify(renderOrder(order, ctx.catalog, now));
  ctx.renderCache.set(order, {
    json,
    validUntil: now < order.provisionAtMs ? order.provisionAtMs : Number.POSITIVE_INFINITY,
  });
  return json;
}

export function findOrder(
  ctx: SandboxContext,
  partnerTenantId: string,
  customerId: string,
  orderId: string,
): StoredOrder | undefined {
  const order = ctx.store.orders.get(orderId);
  if (order === undefined || order.partnerTenantId !== partnerTenantId || order.customerId !== customerId)
    return undefined;
  return order;
}
