/**
 * The cancellation window of a placed order (docs/subscriptions.md, "The seat-reduction window"),
 * from its state record: the order's creation date and the offers it bought. Pure: the caller
 * passes `nowMs` (the planner its `now`, `state show` the CLI's clock).
 *
 * An order's line items share its creation date, so its new-commerce items share one window; a
 * legacy-only order has none. Only open windows are listed for a plan: they are at most a week's
 * purchases, which keeps the list short however many orders state holds.
 */
import {
  CANCELLATION_WINDOW_MS,
  isNewCommerceOffer,
  isWithinCancellationWindow,
  selectCancellationWindow,
} from "./cancellation-window.js";
import type { CancellationWindow } from "./cancellation-window.js";
import { parseTimestampMs } from "./compare.js";
import type { StateOrder } from "./model.js";
import type { PlanAction } from "./plan.js";

/**
 * The window of the order's new-commerce line items, or null. They share the order's creation date,
 * so they share one window: selectCancellationWindow of the first such item.
 */
export function selectOrderWindow(
  order: Pick<StateOrder, "creationDate" | "applied">,
): CancellationWindow | null {
  const item = order.applied.lineItems.find((i) => isNewCommerceOffer(i.offerId));
  return item === undefined
    ? null
    : selectCancellationWindow({ offerId: item.offerId, creationDate: order.creationDate });
}

/** One placed order whose window is still open when the plan is made. */
export interface OpenCancellationWindow {
  name: string;
  customer: string;
  orderId: string;
  /** The last moment (ISO-8601, UTC) its seats can be reduced or the order cancelled. */
  until: string;
}

/** The open windows of the placed orders a plan looks at, in plan order. */
export function selectOpenWindows(actions: readonly PlanAction[], nowMs: number): OpenCancellationWindow[] {
  const open: OpenCancellationWindow[] = [];
  for (const action of actions) {
    if (action.kind === "create" || action.kind === "resume") continue;
    const record = action.stateOrder;
    if (record === undefined) continue;
    // Most orders of a large state are older than a week: rule them out on the creation date
    // alone before any item is looked at or any date is written (docs/performance.md).
    const created = parseTimestampMs(record.creationDate);
    if (created === undefined || nowMs > created + CANCELLATION_WINDOW_MS) continue;
    const window = selectOrderWindow(record);
    if (window === null || !isWithinCancellationWindow(window, nowMs)) continue;
    open.push({ name: action.name, customer: action.customer, orderId: record.orderId, until: window.until });
  }
  return open;
}

/**
 * What --replace leaves behind, in words: orderform cancels nothing, so the old order stays active
 * and billed, and until when it can still be cancelled. An order Partner Center reports as
 * cancelled already is said to be so; one it cannot find is assumed billed (the safe reading).
 */
export function describeReplacedOrder(order: StateOrder, nowMs: number, cancelled = false): string {
  if (cancelled) return `order ${order.orderId}, cancelled outside orderform, stays as it is`;
  const window = selectOrderWindow(order);
  const stays = `order ${order.orderId} stays active and billed`;
  if (window === null) return `${stays} until it is cancelled in Partner Center`;
  return isWithinCancellationWindow(window, nowMs)
    ? `${stays}; it can still be cancelled in Partner Center until ${window.until}`
    : `${stays}; its cancellation window closed at ${window.until}: it stays billed until its term ends`;
}
