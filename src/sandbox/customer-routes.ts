/**
 * The Customer resource: the partner's customers (GET /v1/customers?size=N, paged) and one customer
 * by tenant id (GET /v1/customers/{customerId}), in the documented shapes (docs/sandbox.md,
 * docs/generate.md).
 *
 * Paging: a page holds at most `size` customers (1 to 1000; required, as documented: else 400
 * 800002). When more follow, links.next is `/customers?size=N&seekOperation=Next` with the
 * MS-ContinuationToken header the client sends back; the token is opaque to the client (here the
 * partner and the offset, so a token of another partner or a damaged one is 400 800002). Customers
 * are listed in the order they were registered. A partner sees only its own customers; by id, an
 * unknown customer is 400 900118 and another partner's 403 20002, as the order routes answer.
 */
import type { Exchange, Json, RouteMatch, SandboxContext } from "./context.js";
import { createApiError } from "./order-request.js";
import { createCustomerRouteHandler, readRequestPartner } from "./order-routes.js";
import { sendThrottled, takeRateWindowSlot } from "./rate-windows.js";
import { createJsonAnswer, findHeader, sendAnswer, sendApiError, sendDrop, waitMs } from "./respond.js";
import type { StoredCustomer } from "./store.js";

const MAX_PAGE_SIZE = 1000;

export const handleGetCustomer = createCustomerRouteHandler((_ctx, { customer }) =>
  createJsonAnswer(200, renderCustomer(customer)),
);

export async function handleListCustomers(
  ctx: SandboxContext,
  exchange: Exchange,
  match: RouteMatch,
): Promise<void> {
  const template = match.template;
  const partnerTenantId = readRequestPartner(ctx, exchange, template);
  if (partnerTenantId === undefined) return;
  if (match.rateLimited) {
    const retryAfter = takeRateWindowSlot(ctx, partnerTenantId, "");
    if (retryAfter !== undefined) return sendThrottled(ctx, exchange, template, retryAfter);
  }
  const sizeText = exchange.query.get("size") ?? "";
  const size = /^\d{1,4}$/.test(sizeText) ? Number(sizeText) : 0;
  if (size < 1 || size > MAX_PAGE_SIZE)
    return sendApiError(
      ctx,
      exchange,
      template,
      createApiError(400, "800002", `Invalid request input: size must be 1 to ${MAX_PAGE_SIZE}.`),
    );
  let offset = 0;
  if ((exchange.query.get("seekOperation") ?? "").toLowerCase() === "next") {
    const token = findHeader(exchange.req, "ms-continuationtoken");
    const parsed = token === undefined ? undefined : parseContinuationToken(token, partnerTenantId);
    if (parsed === undefined)
      return sendApiError(
        ctx,
        exchange,
        template,
        createApiError(400, "800002", "Invalid request input: MS-ContinuationToken is missing or invalid."),
      );
    offset = parsed;
  }
  const decision = ctx.faults.decide(exchange.method, exchange.path);
  if (decision.delayMs > 0) await waitMs(decision.delayMs);
  if (decision.throttleSeconds !== undefined)
    return sendThrottled(ctx, exchange, template, decision.throttleSeconds);
  if (decision.error !== undefined) return sendApiError(ctx, exchange, template, decision.error.error);
  const customers = [...ctx.store.customers.values()].filter((c) => c.partnerTenantId === partnerTenantId);
  const page = customers.slice(offset, offset + size);
  const links: Json = { self: { uri: `/customers?size=${size}`, method: "GET", headers: [] } };
  if (offset + size < customers.length) {
    links.next = {
      uri: `/customers?size=${size}&seekOperation=Next`,
      method: "GET",
      headers: [
        { key: "MS-ContinuationToken", value: createContinuationToken(partnerTenantId, offset + size) },
      ],
    };
  }
  if (decision.drop) return sendDrop(ctx, exchange, template);
  sendAnswer(
    ctx,
    exchange,
    template,
    createJsonAnswer(200, {
      totalCount: page.length,
      items: page.map(renderCustomer),
      links,
      attributes: { objectType: "Collection" },
    }),
  );
}

/** The Customer resource, as the documented examples show it. */
function renderCustomer(customer: StoredCustomer): Json {
  return {
    id: customer.id,
    companyProfile: {
      tenantId: customer.id,
      domain: customer.domain ?? `customer${customer.id.slice(0, 8)}.onmicrosoft.com`,
      companyName: customer.companyName,
      attributes: { objectType: "CustomerCompanyProfile" },
    },
    relationshipToPartner: "reseller",
    links: { self: { uri: `/customers/${customer.id}`, method: "GET", headers: [] } },
    attributes: { objectType: "Customer" },
  };
}

function createContinuationToken(partnerTenantId: string, offset: number): string {
  return Buffer.from(JSON.stringify({ p: partnerTenantId, o: offset })).toString("base64url");
}

function parseContinuationToken(token: string, partnerTenantId: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      p?: unknown;
      o?: unknown;
    };
    return value.p === partnerTenantId && Number.isInteger(value.o) && (value.o as number) >= 0
      ? (value.o as number)
      : undefined;
  } catch {
    return undefined;
  }
}
