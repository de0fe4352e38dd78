/**
 * Fixtures the planner's tests share (planner.test.ts, plan-scope.test.ts): one declared order of
 * Contoso, its state record, and helpers to list, edit and read back a one-action plan.
 */
import { expect } from "vitest";
import type { DesiredOrder, RemoteOrder } from "../../../src/core/model.js";
import type { Plan, PlanAction } from "../../../src/core/plan.js";
import { CONTOSO, buildDesired, buildStateOrder } from "./builders.js";

export const seats = buildDesired("contoso/seats");
export const placed = buildStateOrder(seats);
export const listed = (...orders: RemoteOrder[]): Record<string, RemoteOrder[]> => ({ [CONTOSO]: orders });
export const edited = (d: DesiredOrder, quantity: number): DesiredOrder => ({
  ...d,
  lineItems: [{ ...(d.lineItems[0] as DesiredOrder["lineItems"][number]), quantity }],
});
/** Recent: placed two minutes before NOW, inside the 15-minute window. */
export const recent = buildStateOrder(seats, {
  creationDate: "2025-03-01T11:58:00Z",
  recordedAt: "2025-03-01T11:58:01Z",
});

/** The plan's one action (the plan must have exactly one). */
export function only(plan: Plan): PlanAction {
  expect(plan.actions).toHaveLength(1);
  return plan.actions[0] as PlanAction;
}
