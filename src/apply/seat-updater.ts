/**
 * Seat changes in place (docs/exactly-once.md, "Seat changes"). For each changed line item:
 *   1. append the update intent (fsync) before any byte is sent; a started one is resumed as recorded;
 *   2. GET the subscription: at `from`, PATCH it (as read, so its etag guards against a change in
 *      between) with the derived MS-RequestId; already at `to`, record the change without sending
 *      (a re-run, or another runner made it); anything else stops the change (nothing is sent);
 *   3. append the change (fsync) as soon as the answer arrives.
 * A business refusal ends the intent with a failure; an unknown outcome leaves it pending, and the
 * next apply resumes it by the same rules, GET first.
 */
import type { FailureRecord, PendingUpdate, SentSeatChange } from "../core/model.js";
import type { SeatUpdate, UpdateAction } from "../core/plan.js";
import { OrderformError } from "../core/errors.js";
import { createUpdateRequestId } from "../core/request-id.js";
import { selectOwnSlot, selectPendingUpdateKey } from "../core/state-journal.js";
import { PartnerCenterError, isBusinessError } from "../partner-center/errors.js";
import type { PartnerCenterClient } from "../partner-center/types.js";
import type { StateSession } from "../state/types.js";
import type { ApplyEvent } from "./events.js";

/** Who made a change, as the history records the run that made it. */
export interface SeatChangeActor {
  by?: string;
  commit?: string;
  ci?: string;
}

export interface SeatUpdateOptions {
  session: StateSession;
  client: PartnerCenterClient;
  now: () => Date;
  onEvent: (event: ApplyEvent) => void;
  actor: SeatChangeActor;
  /** Called once an intent is recorded: a failure to record after this leaves it pending. */
  onStarted: (requestId: string) => void;
}

/** "waiting": not provisioned yet; nothing was sent and nothing is wrong, so no summary counts it. */
export type SeatOutcome = "updated" | "failed" | "pending" | "waiting";

export async function applySeatUpdates(
  action: UpdateAction,
  options: SeatUpdateOptions,
): Promise<SeatOutcome[]> {
  const outcomes: SeatOutcome[] = [];
  for (const update of action.updates) outcomes.push(await applySeatUpdate(action, update, options));
  return outcomes;
}

async function applySeatUpdate(
  action: UpdateAction,
  update: SeatUpdate,
  options: SeatUpdateOptions,
): Promise<SeatOutcome> {
  const { session, onEvent } = options;
  const { name, customer } = action;
  const { lineItemNumber } = update;
  if (update.subscriptionId === null) {
    onEvent({
      type: "update_skipped",
      name,
      customer,
      lineItemNumber,
      reason: "waiting for provisioning: the line item has no subscription yet; nothing was sent",
    });
    return "waiting";
  }
  const intent = selectOwnSlot(
    session.current().pendingUpdates,
    selectPendingUpdateKey(name, lineItemNumber),
  );
  const pending = intent ?? (await recordIntent(action, update, update.subscriptionId, options));
  options.onStarted(pending.requestId);
  const { subscriptionId, from, to, requestId } = pending;
  const base = { name, customer, lineItemNumber, subscriptionId, requestId };
  onEvent({ type: "update_started", ...base, from, to, mode: intent === undefined ? "update" : "resume" });

  try {
    const subscription = await options.client.getSubscription(customer, subscriptionId);
    if (subscription === null) {
      return await recordFailure(
        pending,
        {
          httpStatus: 404,
          code: "20003",
          message: `subscription ${subscriptionId} was not found; nothing was sent`,
        },
        options,
      );
    }
    if (subscription.quantity === to) {
      // Already made: by an earlier run whose answer was lost, or by another runner with the same id.
      return await recordDone(pending, false, options);
    }
    if (subscription.quantity !== from) {
      return await recordFailure(
        pending,
        {
          httpStatus: 0,
          code: "apply.subscription-changed",
          // A resumed change may have been made by the run that started it before the seats were
          // changed again outside orderform: say so, and keep its request id in the failure record.
          message:
            intent === undefined
              ? `subscription ${subscriptionId} has ${subscription.quantity} seats, expected ${from} (changed outside orderform since the plan); nothing was sent; run plan again`
              : `subscription ${subscriptionId} has ${subscription.quantity} seats, neither ${from} nor ${to}: the change to ${to} started at ${pending.startedAt} (MS-RequestId ${requestId}) has an unknown outcome and the seats were changed outside orderform since; nothing more was sent; run plan again`,
        },
        options,
      );
    }
    await options.client.updateSubscriptionQuantity(customer, subscription, to, {
      requestId,
      onRetry: (info) =>
        onEvent({
          type: "order_retrying",
          name,
          customer,
          attempt: info.attempt,
          delayMs: info.delayMs,
          reason: info.reason,
        }),
    });
  } catch (error) {
    if (isBusinessError(error) && !error.afterUnknownOutcome) {
      const code = error.serviceCode === undefined ? error.code : String(error.serviceCode);
      const message = error.description !== "" ? error.description : error.message;
      return recordFailure(pending, { httpStatus: error.httpStatus, code, message }, options);
    }
    // Unknown outcome: the intent stays; the next apply reads the subscription and finishes it.
    const code =
      error instanceof OrderformError || error instanceof PartnerCenterError
        ? error.code
        : "apply.unknown-outcome";
    const message = error instanceof Error ? error.message : String(error);
    onEvent({ type: "update_failed", ...base, pending: true, code, message });
    return "pending";
  }
  return recordDone(pending, true, options);
}

async function recordIntent(
  action: UpdateAction,
  update: SeatUpdate,
  subscriptionId: string,
  options: SeatUpdateOptions,
): Promise<PendingUpdate> {
  // Derived from the state as locked now: two runners on the same state send the same id.
  const state = options.session.current();
  const order = selectOwnSlot(state.orders, action.name);
  const failure = selectOwnSlot(state.failures, action.name);
  const changesRecorded = (order?.seatChanges ?? []).filter(
    (c) => c.lineItemNumber === update.lineItemNumber,
  ).length;
  const requestId = createUpdateRequestId({
    lineage: state.lineage,
    name: action.name,
    lineItemNumber: update.lineItemNumber,
    subscriptionId,
    changesRecorded,
    from: update.from,
    to: update.to,
    // The name keeps one failure: the last refusal of any of its line items. Salting every line
    // item with it gives each a new id after any refusal; salting only the refused one would let a
    // later refusal of another line item hide it, and the retry would reuse the refused id.
    ...(failure?.lineItemNumber === undefined ? {} : { refusedRequestId: failure.requestId }),
  });
  const pending: PendingUpdate = {
    name: action.name,
    customer: action.customer,
    orderId: action.stateOrder.orderId,
    lineItemNumber: update.lineItemNumber,
    subscriptionId,
    from: update.from,
    to: update.to,
    requestId,
    startedAt: options.now().toISOString(),
  };
  await options.session.append({ type: "update-intent", update: pending });
  return pending;
}

async function recordDone(
  pending: PendingUpdate,
  sent: boolean,
  options: SeatUpdateOptions,
): Promise<SeatOutcome> {
  const { actor } = options;
  const change: SentSeatChange = {
    lineItemNumber: pending.lineItemNumber,
    subscriptionId: pending.subscriptionId,
    from: pending.from,
    to: pending.to,
    requestId: pending.requestId,
    at: options.now().toISOString(),
    ...(actor.by === undefined ? {} : { by: actor.by }),
    ...(actor.commit === undefined ? {} : { commit: actor.commit }),
    ...(actor.ci === undefined ? {} : { ci: actor.ci }),
  };
  await options.session.append({ type: "update-done", name: pending.name, change });
  options.onEvent({
    type: "update_done",
    name: pending.name,
    customer: pending.customer,
    lineItemNumber: pending.lineItemNumber,
    subscriptionId: pending.subscriptionId,
    requestId: pending.requestId,
    from: pending.from,
    to: pending.to,
    sent,
  });
  return "updated";
}

async function recordFailure(
  pending: PendingUpdate,
  failure: { httpStatus: number; code: string; message: string },
  options: SeatUpdateOptions,
): Promise<SeatOutcome> {
  const record: FailureRecord = {
    name: pending.name,
    customer: pending.customer,
    requestId: pending.requestId,
    at: options.now().toISOString(),
    httpStatus: failure.httpStatus,
    code: failure.code,
    description: failure.message,
    lineItemNumber: pending.lineItemNumber,
  };
  await options.session.append({ type: "update-failed", failure: record });
  options.onEvent({
    type: "update_failed",
    name: pending.name,
    customer: pending.customer,
    lineItemNumber: pending.lineItemNumber,
    subscriptionId: pending.subscriptionId,
    requestId: pending.requestId,
    pending: false,
    ...(failure.httpStatus === 0 ? {} : { httpStatus: failure.httpStatus }),
    code: failure.code,
    message: failure.message,
  });
  return "failed";
}
