/**
 * The Partner Center subscription routes under /v1/customers/{customerId}/subscriptions: the
 * customer's subscriptions (all, or one order's with ?order_id=), one by id, and PATCH to change
 * its quantity (or friendly name). What a subscription is and the PATCH rules are subscriptions.ts.
 *
 * Contract: the customer checks and injected faults of order-routes.ts first. A PATCH is a write
 * route of request-ids.ts and follows its MS-RequestId rules as a create does: a replay with the same id and body is
 * answered from the record and never applied twice; the change and its request record are written
 * in one fsynced append before the answer, so a commit-then-drop fault loses the answer, not the
 * change. An unknown subscription is 404 20003. Subscriptions are not paged (the documented list
 * has no paging). See docs/subscriptions.md.
 */
import { createCustomerRouteHandler, findOrder } from "./order-routes.js";
import { renderCollection, renderSubscription } from "./render.js";
import type { SubscriptionView } from "./render.js";
import { createReplayableWriteHandler } from "./request-ids.js";
import { createErrorAnswer, createJsonAnswer } from "./respond.js";
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

export const handlePatchSubscription = createReplayableWriteHandler({
  // The path is part of what was asked: the same body sent to another subscription is another request.
  selectTarget: ({ customer, params }) =>
    `${customer.id}/subscriptions/${(params.subscriptionId ?? "").toLowerCase()}`,
  createOutcome(ctx, { partnerTenantId, customer, params }, body, _requestId, now) {
    const id = (params.subscriptionId ?? "").toLowerCase();
    const numeric = ctx.options.numericErrorCodes;
    const view = findSubscription(ctx, id, now, { partnerTenantId, customerId: customer.id });
    if (view === undefined) return { answer: createErrorAnswer(createSubscriptionNotFound(id), numeric) };
    const checked = checkSubscriptionPatch(ctx, view, body, now);
    if (!checked.ok) return { answer: createErrorAnswer(checked.error, numeric) };
    const next = checked.next;
    if (next === undefined) return { answer: createJsonAnswer(200, renderSubscription(view)) };
    return {
      answer: createJsonAnswer(200, renderSubscription(createChangedView(ctx, view, next, now))),
      store: (records) => ctx.store.writeSubscriptions([next], records),
    };
  },
});
