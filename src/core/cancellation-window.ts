/**
 * The new-commerce cancellation window (docs/subscriptions.md, "The seat-reduction window"): seats
 * of a new-commerce license subscription can be reduced, and the subscription cancelled, only
 * within seven calendar days (168 hours) of purchase; increases are allowed at any time. Pure:
 * the caller gives the order's creation date and, when Partner Center reported it, the
 * subscription's own `cancellationAllowedUntilDate`, which wins over the policy.
 */
import { formatTimestampMs, parseTimestampMs } from "./compare.js";

/** Seven calendar days, as the new-commerce cancellation policy states them. */
export const CANCELLATION_WINDOW_MS = 168 * 60 * 60 * 1000;

/**
 * New-commerce catalog ids read `PRODUCT:SKU:AVAILABILITY` (e.g. `CFQ7TTC0LH18:0001:...`); legacy
 * license offers are GUIDs and take reductions at any time, so they have no window.
 */
export function isNewCommerceOffer(offerId: string): boolean {
  return offerId.split(":").length === 3 && !offerId.includes(" ");
}

export interface CancellationWindow {
  /** The last moment (ISO-8601, UTC) seats can be reduced or the purchase cancelled. */
  until: string;
  /** "service": Partner Center's cancellationAllowedUntilDate; "policy": creation date + 168 hours. */
  source: "service" | "policy";
}

/**
 * The window of one line item, or null when it has none (a legacy offer, or dates that cannot be
 * read: no window is ever invented from a date that does not parse).
 */
export function selectCancellationWindow(input: {
  offerId: string;
  creationDate: string;
  cancellationAllowedUntilDate?: string | null;
}): CancellationWindow | null {
  const reported = input.cancellationAllowedUntilDate;
  if (typeof reported === "string") {
    const ms = parseTimestampMs(reported);
    if (ms !== undefined) return { until: formatTimestampMs(ms), source: "service" };
  }
  if (!isNewCommerceOffer(input.offerId)) return null;
  const created = parseTimestampMs(input.creationDate);
  if (created === undefined) return null;
  return { until: formatTimestampMs(created + CANCELLATION_WINDOW_MS), source: "policy" };
}

/** True while `nowMs` is within the window (the window's last millisecond included). */
export function isWithinCancellationWindow(window: CancellationWindow, nowMs: number): boolean {
  const until = parseTimestampMs(window.until);
  return until !== undefined && nowMs <= until;
}
