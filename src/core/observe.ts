/**
 * What Partner Center says about a placed order, and what the planner makes of it (pure; see
 * docs/planning.md, "Looking at Partner Center"): found in the list or by id, gone (404), missing
 * after the visibility window, not yet visible, or not checked; then drift or a no-op.
 */
import { diffRemoteLineItems } from "./compare.js";
import type { RemoteOrder, RemoteSnapshot, StateOrder } from "./model.js";
import { isWithinWindow, sameId } from "./plan-scope.js";
import { assertNever } from "./plan.js";
import type { FieldDifference, NoOpAction } from "./plan.js";
import type { PlanOptions } from "./planner.js";

/** What the remote side says about a placed order. */
export type Observation =
  | { kind: "found"; order: RemoteOrder; seen: "listed" | "fetched" }
  | { kind: "gone" } // by-id lookup answered 404
  | { kind: "absent-after-window" }
  | { kind: "not-yet-visible" }
  | { kind: "not-checked" };

export function createNoOp(name: string, stateOrder: StateOrder, observation: Observation): NoOpAction {
  // Object literals in one key order (kind, name, customer, stateOrder, reason, seen): this runs
  // for almost every order of a large plan (docs/performance.md), and the JSON plan keeps that order.
  const { customer, orderId } = stateOrder;
  switch (observation.kind) {
    case "found": {
      const status = observation.order.status;
      if (status === stateOrder.status || status === "unknown") {
        const reason = `Order ${orderId} matches the declaration.`;
        return { kind: "no-op", name, customer, stateOrder, reason, seen: observation.seen };
      }
      const reason = `Order ${orderId} matches the declaration (status ${stateOrder.status} -> ${status}).`;
      return {
        kind: "no-op",
        name,
        customer,
        stateOrder,
        reason,
        seen: observation.seen,
        remoteStatus: status,
      };
    }
    case "not-yet-visible": {
      const reason = `Order ${orderId} is recent and not in the customer's list yet; it is not placed again.`;
      return { kind: "no-op", name, customer, stateOrder, reason, seen: "not-yet-visible" };
    }
    case "not-checked": {
      const reason = `Order ${orderId} is in state; the customer's orders were not fetched.`;
      return { kind: "no-op", name, customer, stateOrder, reason, seen: "not-checked" };
    }
    case "gone":
    case "absent-after-window":
      throw new Error(`observation ${observation.kind} is drift, not a no-op`);
    default:
      return assertNever(observation);
  }
}

export function observe(
  stateOrder: StateOrder,
  ctx: { remote: RemoteSnapshot; nowMs: number; options: Pick<PlanOptions, "visibilityWindowMs"> },
): Observation {
  const list = ctx.remote.lists[stateOrder.customer.toLowerCase()];
  const listed = list?.find((o) => sameId(o.id, stateOrder.orderId));
  if (listed !== undefined) return { kind: "found", order: listed, seen: "listed" };
  if (Object.prototype.hasOwnProperty.call(ctx.remote.byId, stateOrder.orderId)) {
    const fetched = ctx.remote.byId[stateOrder.orderId];
    return fetched === null || fetched === undefined
      ? { kind: "gone" }
      : { kind: "found", order: fetched, seen: "fetched" };
  }
  if (list === undefined) return { kind: "not-checked" };
  return isWithinWindow(stateOrder, ctx.nowMs, ctx.options.visibilityWindowMs)
    ? { kind: "not-yet-visible" }
    : { kind: "absent-after-window" };
}

/** Drift as (what happened, differences with before = recorded, after = Partner Center now). */
export function describeDrift(
  stateOrder: StateOrder,
  observation: Observation,
): { what: string; differences: FieldDifference[] } | undefined {
  switch (observation.kind) {
    case "gone":
      return {
        what: "was not found by Partner Center (404)",
        differences: [{ path: "order", before: stateOrder.orderId, after: null }],
      };
    case "absent-after-window":
      return {
        what: "is missing from the customer's order list after the visibility window",
        differences: [{ path: "order", before: stateOrder.orderId, after: null }],
      };
    case "found": {
      const differences = diffRemoteLineItems(stateOrder.applied, observation.order);
      const cancelled = observation.order.status === "cancelled";
      if (cancelled) differences.unshift({ path: "status", before: stateOrder.status, after: "cancelled" });
      if (differences.length === 0) return undefined;
      return {
        what: cancelled ? "was cancelled outside orderform" : "has line items that changed outside orderform",
        differences,
      };
    }
    case "not-yet-visible":
    case "not-checked":
      return undefined;
    default:
      return assertNever(observation);
  }
}
