/**
 * The Partner Center subscription routes under /v1/customers/{customerId}/subscriptions: the
 * customer's subscriptions (all, or one order's with ?order_id=), one by id, and PATCH to change
 * its quantity (or friendly name). What a subscription is and the PATCH rules are subscriptions.ts.
 *
 * Contract: the customer checks and injected faults of order-routes.ts first. A PATCH then follows
 * the MS-RequestId rules of request-ids.ts as a create does: a replay with the same id and body is
 * answered from the record and never applied twice; the change and its request record are written
 * in one fsynced append before the answer, so a commit-then-drop fault loses the answer, not the
 * change. An unknown subscription is 404 20003. Subscriptions are not paged (the documented list
 * has no paging). See docs/subscriptions.md.
 */
import type { Exchange, RouteMatch, SandboxContext } from "./context.js";
import { createApiError, createBodyFingerprint } from "./order-request.js";
import { createCustomerRouteHandler, findOrder, readCustomerRequest } from "./order-routes.js";
import { sendThrottled } from "./rate-windows.js";
import { renderCollection, renderSubscription } from "./render.js";
import type { SubscriptionView } from "./render.js";
import { createRequestRecord, handleOncePerRequestId } from "./request-ids.js";
import type { Answer } from "./respond.js";
import type { StoredSubscription } from "./store.js";
import {
  createErrorAnswer,
  createJsonAnswer,
  findHeader,
  sendAnswer,
  sendApiError,
  sendDrop,
  waitMs,
} from "./respond.js";
import {
  checkSubscriptionPatch,
  createChangedView,
  createSubscriptionNotFound,
  findSubscription,
  selectCustomerSubscriptions,
  selectOrderSubscriptions,
} from "./subscriptions.js";

export const handleListSubscriptions = createCustomerRouteHandler(
  (ctx, { partnerTenantId, customer, query }) => {
    const now = ctx.now();
    const orderId = query.get("order_id");
    let views: SubscriptionView[];
    if (orderId === null) {
      views = selectCustomerSubscriptions(ctx, partnerTenantId, customer.id, now);
    } else {
      const order = findOrder(ctx, partnerTenantId, customer.id, orderId);
      views = order === undefined ? [] : selectOrderSubscriptions(ctx, order, now);
    }
    return createJsonAnswer(
      200,
      renderCollection(views.map(renderSubscription), `/customers/${customer.id}/subscriptions`),
    );
  },
);

export const handleGetSubscription = createCustomerRouteHandler(
  (ctx, { partnerTenantId, customer, params }) => {
    const id = params.subscriptionId ?? "";
    const view = findSubscription(ctx, id, ctx.now(), { partnerTenantId, customerId: customer.id });
    if (view === undefined)
      return createErrorAnswer(createSubscriptionNotFound(id), ctx.options.numericErrorCodes);
    return createJsonAnswer(200, renderSubscription(view));
  },
);

export async function handlePatchSubscription(
  ctx: SandboxContext,
  exchange: Exchange,
  match: RouteMatch,
): Promise<void> {
  const request = await readCustomerRequest(ctx, exchange, match);
  if (request === undefined) return;
  const { partnerTenantId, customer } = request;
  const template = match.template;
  const id = (match.params.subscriptionId ?? "").toLowerCase();
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body ?? "");
  } catch {
    return sendApiError(
      ctx,
      exchange,
      template,
      createApiError(400, "800002", "Invalid request input: the body is not valid JSON."),
    );
  }
  const claim = {
    partnerTenantId,
    requestId: findHeader(exchange.req, "ms-requestid"),
    // The path is part of what was asked: the same body sent to another subscription is another request.
    fingerprint: createBodyFingerprint(`${customer.id}/subscriptions/${id}`, parsed),
  };
  await handleOncePerRequestId(ctx, exchange, template, claim, async () => {
    const decision = ctx.faults.decide("PATCH", exchange.path);
    if (decision.delayMs > 0) await waitMs(decision.delayMs);
    if (decision.throttleSeconds !== undefined)
      return sendThrottled(ctx, exchange, template, decision.throttleSeconds);
    if (decision.error !== undefined) return sendApiError(ctx, exchange, template, decision.error.error);
    const now = ctx.now();
    const numeric = ctx.options.numericErrorCodes;
    const view = findSubscription(ctx, id, now, { partnerTenantId, customerId: customer.id });
    let answer: Answer;
    let next: StoredSubscription | undefined;
    if (view === undefined) {
      answer = createErrorAnswer(createSubscriptionNotFound(id), numeric);
    } else {
      const checked = checkSubscriptionPatch(ctx, view, parsed, now);
      if (checked.ok) {
        next = checked.next;
        const after = next === undefined ? view : createChangedView(ctx, view, next, now);
        answer = createJsonAnswer(200, renderSubscription(after));
      } else {
        answer = createErrorAnswer(checked.error, numeric);
      }
    }
    const record = createRequestRecord(ctx, claim, answer, now, undefined);
    // Durable before any answer: the change and its request record in one fsynced append.
    if (next !== undefined) ctx.store.writeSubscriptions([next], record === undefined ? undefined : [record]);
    else if (record !== undefined) ctx.store.writeRequests([record]);
    if (decision.drop) return sendDrop(ctx, exchange, template);
    sendAnswer(ctx, exchange, template, answer);
  });
}
