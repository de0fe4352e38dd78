/**
 * Seats observed when orderform records an order it did not place (`import`, `generate`;
 * docs/generate.md, "Seats changed since the order was placed"). Pure.
 *
 * Partner Center's order keeps the quantities it was placed with; seats changed later live on the
 * line items' subscriptions (docs/subscriptions.md). The partner declares what they have now, so
 * a declaration reads each line item's subscription's seats. The record keeps `applied` as the
 * order was placed (order drift compares the order with it) and notes each line item whose
 * subscription holds other seats as an observed seat change (no request id: nothing was sent),
 * so that selectCurrentContent gives the seats of the declaration, the subscription drift check
 * compares against them, and a later edit is a seat change from them.
 *
 * The status of a subscription does not matter here: a suspended or deleted subscription keeps its
 * seats, and the drift check compares them whatever the status, so the declaration states them too.
 */
import { sortRemoteLineItems } from "./compare.js";
import type { ObservedSeatChange, OrderContent, RemoteOrder, RemoteSubscription } from "./model.js";

/**
 * Per line item of `remote`, in line item number order (the positions matchesRemote compares),
 * the subscription it created: the one the line item names, else, for an order of one line item,
 * the only subscription of that order (the list names the order, not the line item). Undefined
 * where none is found (not provisioned yet, or not in the list).
 */
export function selectLineItemSubscriptions(
  remote: RemoteOrder,
  subscriptions: readonly RemoteSubscription[],
): Array<RemoteSubscription | undefined> {
  const items = sortRemoteLineItems(remote.lineItems);
  if (subscriptions.length === 0) return items.map(() => undefined);
  const byId = new Map(subscriptions.map((s) => [s.id.toLowerCase(), s]));
  const found = items.map((item) =>
    typeof item.subscriptionId === "string" && item.subscriptionId !== ""
      ? byId.get(item.subscriptionId.toLowerCase())
      : undefined,
  );
  if (items.length === 1 && found[0] === undefined) {
    const orderId = remote.id.toLowerCase();
    const ofOrder = subscriptions.filter((s) => s.orderId?.toLowerCase() === orderId);
    if (ofOrder.length === 1) return ofOrder;
  }
  return found;
}

/** The order as the partner has it now: line items in number order, each with its subscription's seats. */
export function createCurrentOrder(
  remote: RemoteOrder,
  lineSubscriptions: ReadonlyArray<RemoteSubscription | undefined>,
): RemoteOrder {
  if (lineSubscriptions.every((sub) => sub === undefined)) return remote;
  return {
    ...remote,
    lineItems: sortRemoteLineItems(remote.lineItems).map((item, i) => {
      const sub = lineSubscriptions[i];
      return sub === undefined || sub.quantity === item.quantity ? item : { ...item, quantity: sub.quantity };
    }),
  };
}

/**
 * What a record of `remote` keeps when it is declared as `content` (which matches
 * createCurrentOrder: line items by position): `applied` is `content` with the order's quantities
 * as placed, and `seatChanges` one observed change per line item whose subscription holds other
 * seats, read at `at`. Without such a line item, `applied` is `content` and there are no changes.
 */
export function createObservedRecord(
  content: OrderContent,
  remote: RemoteOrder,
  lineSubscriptions: ReadonlyArray<RemoteSubscription | undefined>,
  at: string,
): { applied: OrderContent; seatChanges?: ObservedSeatChange[] } {
  const items = sortRemoteLineItems(remote.lineItems);
  const seatChanges: ObservedSeatChange[] = [];
  const lineItems = content.lineItems.map((item, i) => {
    const placed = items[i]?.quantity;
    const sub = lineSubscriptions[i];
    if (placed === undefined || sub === undefined || sub.quantity === placed) return item;
    seatChanges.push({
      lineItemNumber: item.lineItemNumber,
      subscriptionId: sub.id,
      from: placed,
      to: sub.quantity,
      observed: true,
      at,
    });
    return { ...item, quantity: placed };
  });
  if (seatChanges.length === 0) return { applied: content };
  return { applied: { ...content, lineItems }, seatChanges };
}
