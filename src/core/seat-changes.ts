/**
 * Seat changes in place (docs/planning.md, "Seat changes"). Pure.
 *
 * A placed record's `applied` is the content as placed: Partner Center's order keeps its original
 * line quantities, so order drift compares the order with it. Seats change on the line item's
 * subscription; the record's current content is `applied` with each changed line item's last
 * recorded quantity. The conflict check, the update decision and the subscription drift check all
 * read that one content (selectCurrentContent).
 */
import {
  CANCELLATION_WINDOW_MS,
  isWithinCancellationWindow,
  selectCancellationWindow,
} from "./cancellation-window.js";
import type {
  DesiredOrder,
  FailureRecord,
  OrderContent,
  PendingUpdate,
  RemoteSnapshot,
  RemoteSubscription,
  StateFile,
  StateOrder,
} from "./model.js";
import { createDiagnostic } from "./errors.js";
import type { Diagnostic } from "./errors.js";
import type { FieldDifference, SeatUpdate } from "./plan.js";

/** The record's content now: `applied` with each line item's last seat change. */
export function selectCurrentContent(order: StateOrder): OrderContent {
  const changes = order.seatChanges;
  if (changes === undefined || changes.length === 0) return order.applied;
  const last = new Map<number, number>();
  for (const change of changes) last.set(change.lineItemNumber, change.to);
  return {
    ...order.applied,
    lineItems: order.applied.lineItems.map((item) => {
      const to = last.get(item.lineItemNumber);
      return to === undefined || to === item.quantity ? item : { ...item, quantity: to };
    }),
  };
}

const QUANTITY_PATH = /^lineItems\[(\d+)\]\.quantity$/;

/** True when every difference is a line item's quantity (and there is at least one). */
export function isQuantityOnly(differences: readonly FieldDifference[]): boolean {
  return (
    differences.length > 0 &&
    differences.every(
      (d) => QUANTITY_PATH.test(d.path) && typeof d.before === "number" && typeof d.after === "number",
    )
  );
}

/**
 * The subscription a line item created: the latest seat change names it; else the order as listed
 * now, else as recorded when it was placed. Undefined while the line item is not provisioned.
 */
function selectSubscriptionId(
  order: StateOrder,
  lineItemNumber: number,
  remote: RemoteSnapshot,
): string | undefined {
  const changes = order.seatChanges ?? [];
  for (let i = changes.length - 1; i >= 0; i -= 1) {
    const change = changes[i];
    if (change?.lineItemNumber === lineItemNumber) return change.subscriptionId;
  }
  const listed = remote.lists[order.customer.toLowerCase()]?.find(
    (o) => o.id.toLowerCase() === order.orderId.toLowerCase(),
  );
  const fetched = remote.byId[order.orderId] ?? undefined;
  for (const items of [listed?.lineItems, fetched?.lineItems, order.remoteLineItems]) {
    const id = items?.find((li) => li.lineItemNumber === lineItemNumber)?.subscriptionId;
    if (typeof id === "string" && id !== "") return id;
  }
  // The subscription list names the order (not the line item): a one-line order has only one.
  if (order.applied.lineItems.length === 1) {
    const subs = selectSubscriptionsOfOrder(order, remote);
    if (subs.length === 1) return subs[0]?.id;
  }
  return undefined;
}

function selectSubscriptionsOfOrder(order: StateOrder, remote: RemoteSnapshot): RemoteSubscription[] {
  const subs = remote.subscriptions?.[order.customer.toLowerCase()] ?? [];
  return subs.filter((s) => s.orderId?.toLowerCase() === order.orderId.toLowerCase());
}

function selectSubscription(
  customer: string,
  subscriptionId: string,
  remote: RemoteSnapshot,
): RemoteSubscription | undefined {
  return remote.subscriptions?.[customer.toLowerCase()]?.find(
    (s) => s.id.toLowerCase() === subscriptionId.toLowerCase(),
  );
}

/**
 * Subscription drift: a line item's subscription whose seats differ from the record's current
 * quantity, unless the difference is exactly what a pending change of that line item asked for
 * (apply then finishes that change). before = recorded, after = Partner Center now.
 */
function diffSubscriptions(
  order: StateOrder,
  pending: readonly PendingUpdate[],
  remote: RemoteSnapshot,
): { differences: FieldDifference[]; subscriptionIds: string[] } {
  const differences: FieldDifference[] = [];
  const subscriptionIds: string[] = [];
  const current = selectCurrentContent(order);
  current.lineItems.forEach((item, index) => {
    const id = selectSubscriptionId(order, item.lineItemNumber, remote);
    if (id === undefined) return;
    const sub = selectSubscription(order.customer, id, remote);
    if (sub === undefined || sub.quantity === item.quantity) return;
    const started = pending.find((p) => p.lineItemNumber === item.lineItemNumber);
    if (started !== undefined && started.to === sub.quantity) return;
    differences.push({ path: `lineItems[${index}].quantity`, before: item.quantity, after: sub.quantity });
    subscriptionIds.push(sub.id);
  });
  return { differences, subscriptionIds };
}

/**
 * The seat changes of a quantity-only edit (the caller checked isQuantityOnly), plus the started
 * ones to finish. A decrease past the cancellation window is not proposed: it is an error
 * diagnostic naming the window's end and the remedies. Increases are always proposed.
 */
export function planSeatUpdates(input: {
  order: StateOrder;
  declared: DesiredOrder;
  pending: readonly PendingUpdate[];
  remote: RemoteSnapshot;
  nowMs: number;
}): { updates: SeatUpdate[]; diagnostics: Diagnostic[] } {
  const { order, declared, remote } = input;
  const current = selectCurrentContent(order);
  const updates: SeatUpdate[] = [];
  const diagnostics: Diagnostic[] = [];
  current.lineItems.forEach((item) => {
    const started = input.pending.find((p) => p.lineItemNumber === item.lineItemNumber);
    const subscriptionId =
      started?.subscriptionId ?? selectSubscriptionId(order, item.lineItemNumber, remote);
    const sub =
      subscriptionId === undefined ? undefined : selectSubscription(order.customer, subscriptionId, remote);
    const window = selectCancellationWindow({
      offerId: item.offerId,
      creationDate: order.creationDate,
      ...(sub?.cancellationAllowedUntilDate === undefined
        ? {}
        : { cancellationAllowedUntilDate: sub.cancellationAllowedUntilDate }),
    });
    if (started !== undefined) {
      // Finished as recorded, whatever the declaration says now; a further edit is planned next time.
      updates.push({
        lineItemNumber: item.lineItemNumber,
        subscriptionId: started.subscriptionId,
        from: started.from,
        to: started.to,
        window,
        pending: started,
      });
      return;
    }
    const to = declared.lineItems.find((d) => d.lineItemNumber === item.lineItemNumber)?.quantity;
    if (to === undefined || to === item.quantity) return;
    if (to < item.quantity && window !== null && !isWithinCancellationWindow(window, input.nowMs)) {
      const where =
        declared.source === undefined
          ? {}
          : { file: declared.source.file, line: declared.source.line, column: declared.source.column };
      diagnostics.push(
        createDiagnostic(
          "plan.decrease-outside-window",
          `${declared.name}: lineItems[${item.lineItemNumber}] cannot go from ${item.quantity} to ${to} seats: new-commerce seats can be reduced only until ${window.until} (the cancellation window${window.source === "service" ? " Partner Center reports" : `, ${CANCELLATION_WINDOW_MS / 3_600_000} hours after the order was placed`}), and that has passed`,
          {
            hint: `Keep ${item.quantity} in the declaration and lower it when the subscription renews into a new term (or reduce it in the Partner Center portal at renewal). --replace is no remedy: it buys a second order and leaves this one billed. Nothing is sent for this change.`,
            ...where,
          },
        ),
      );
      return;
    }
    updates.push({
      lineItemNumber: item.lineItemNumber,
      subscriptionId: subscriptionId ?? null,
      from: item.quantity,
      to,
      window,
    });
  });
  return { updates, diagnostics };
}

/**
 * A state version's history meta member `seatChanges`: the seat changes `after` records that
 * `before` (the version committed last) does not, by request id, so a renamed record's or a
 * replayed journal's changes are not counted again. Seats observed at import are not counted:
 * orderform changed nothing. Absent when none.
 */
export function selectSeatChangesMeta(before: StateFile, after: StateFile): { seatChanges?: number } {
  const known = new Set<string>();
  for (const order of Object.values(before.orders)) {
    for (const change of order.seatChanges ?? [])
      if (change.requestId !== undefined) known.add(change.requestId);
  }
  let added = 0;
  for (const order of Object.values(after.orders)) {
    for (const change of order.seatChanges ?? [])
      if (change.requestId !== undefined && !known.has(change.requestId)) added += 1;
  }
  return added === 0 ? {} : { seatChanges: added };
}

/** Seats of the order's subscriptions that differ from its current content: drift, as (what, differences). */
export function describeSubscriptionDrift(
  stateOrder: StateOrder,
  pending: readonly PendingUpdate[],
  remote: RemoteSnapshot,
): { what: string; differences: FieldDifference[] } | undefined {
  const { differences, subscriptionIds } = diffSubscriptions(stateOrder, pending, remote);
  if (differences.length === 0) return undefined;
  const which =
    subscriptionIds.length === 1
      ? `subscription ${subscriptionIds[0]}`
      : `subscriptions ${subscriptionIds.join(", ")}`;
  return { what: `has seats that changed outside orderform (${which})`, differences };
}

/** The reason of an update action: seats change in place; started changes and waiting line items said. */
export function describeUpdateReason(
  stateOrder: StateOrder,
  updates: readonly SeatUpdate[],
  failure: FailureRecord | undefined,
): string {
  const resumed = updates.filter((u) => u.pending !== undefined);
  const waiting = updates.filter((u) => u.subscriptionId === null);
  return [
    `Seats of order ${stateOrder.orderId} change in place on the line items' subscriptions; no order is placed.`,
    resumed.length > 0
      ? ` A seat change started at ${resumed[0]?.pending?.startedAt ?? "?"} was not confirmed; apply reads the subscription and finishes it with the same request id.`
      : "",
    waiting.length > 0
      ? " Waiting for provisioning: a line item has no subscription yet; apply skips it."
      : "",
    failure?.lineItemNumber === undefined
      ? ""
      : ` The last seat change at ${failure.at} failed with ${failure.code} (${failure.description}).`,
  ].join("");
}
