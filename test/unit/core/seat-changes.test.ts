import { describe, expect, it } from "vitest";
import type { DesiredOrder, PendingUpdate, RemoteSubscription, StateOrder } from "../../../src/core/model.js";
import type { PlanAction } from "../../../src/core/plan.js";
import { createPlan } from "../../../src/core/planner.js";
import { createUpdateRequestId } from "../../../src/core/request-id.js";
import { selectCurrentContent } from "../../../src/core/seat-changes.js";
import { foldJournal, selectPendingUpdateKey } from "../../../src/core/state-journal.js";
import {
  CONTOSO,
  NOW,
  buildDesired,
  buildInput,
  buildRemoteFor,
  buildState,
  buildStateOrder,
  byName,
} from "./builders.js";

const seats = buildDesired("contoso/seats");
const SUB = "5b1f0c9e-1111-4222-8333-444455556666";
const withSeats = (d: DesiredOrder, quantity: number): DesiredOrder => ({
  ...d,
  lineItems: [{ ...(d.lineItems[0] as DesiredOrder["lineItems"][number]), quantity }],
});
/** Placed 2025-02-01: the 168-hour window ended long before NOW. */
const old = buildStateOrder(seats, {
  remoteLineItems: [
    { lineItemNumber: 0, offerId: seats.lineItems[0]?.offerId ?? "", quantity: 25, subscriptionId: SUB },
  ],
});
/** Placed an hour before NOW: inside the window. */
const fresh: StateOrder = { ...old, creationDate: "2025-03-01T11:00:00Z" };
const sub = (quantity: number, extra: Partial<RemoteSubscription> = {}): RemoteSubscription => ({
  id: SUB,
  quantity,
  status: "active",
  orderId: old.orderId,
  ...extra,
});
const pending = (from: number, to: number): PendingUpdate => ({
  name: seats.name,
  customer: CONTOSO,
  orderId: old.orderId,
  lineItemNumber: 0,
  subscriptionId: SUB,
  from,
  to,
  requestId: "req-update",
  startedAt: "2025-03-01T11:59:00Z",
});

function planFor(input: {
  order: StateOrder;
  declared: number;
  subscription?: RemoteSubscription;
  pendingUpdate?: PendingUpdate;
}): { action: PlanAction; codes: string[] } {
  const state = buildState({ orders: byName(input.order) });
  if (input.pendingUpdate !== undefined) {
    state.pendingUpdates = { [selectPendingUpdateKey(seats.name, 0)]: input.pendingUpdate };
  }
  const plan = createPlan(
    buildInput({
      desired: [withSeats(seats, input.declared)],
      state,
      remote: {
        lists: { [CONTOSO]: [buildRemoteFor(input.order)] },
        subscriptions: { [CONTOSO]: input.subscription === undefined ? [] : [input.subscription] },
      },
    }),
  );
  expect(plan.actions).toHaveLength(1);
  return { action: plan.actions[0] as PlanAction, codes: plan.diagnostics.map((d) => d.code) };
}

describe("the seat-change decision", () => {
  it.each([
    {
      title: "an increase is an update, even after the window",
      input: { order: old, declared: 30, subscription: sub(25) },
      kind: "update",
      updates: [{ lineItemNumber: 0, subscriptionId: SUB, from: 25, to: 30 }],
      codes: [],
    },
    {
      title: "a decrease inside the window is an update",
      input: { order: fresh, declared: 20, subscription: sub(25) },
      kind: "update",
      updates: [{ lineItemNumber: 0, subscriptionId: SUB, from: 25, to: 20 }],
      codes: [],
    },
    {
      title: "a decrease after the window is an error, and no update",
      input: { order: old, declared: 20, subscription: sub(25) },
      kind: "no-op",
      codes: ["plan.decrease-outside-window"],
    },
    {
      title: "the service's window wins over the policy",
      input: {
        order: old,
        declared: 20,
        subscription: sub(25, { cancellationAllowedUntilDate: "2025-03-02T00:00:00Z" }),
      },
      kind: "update",
      updates: [{ from: 25, to: 20, window: { until: "2025-03-02T00:00:00.000Z", source: "service" } }],
      codes: [],
    },
    {
      title: "seats changed outside orderform are drift",
      input: { order: old, declared: 25, subscription: sub(28) },
      kind: "drift",
      differences: [{ path: "lineItems[0].quantity", before: 25, after: 28 }],
      codes: [],
    },
    {
      title: "a started change whose new quantity the subscription shows is finished, not drift",
      input: { order: old, declared: 30, subscription: sub(30), pendingUpdate: pending(25, 30) },
      kind: "update",
      updates: [{ from: 25, to: 30, pending: pending(25, 30) }],
      codes: [],
    },
    {
      title: "a recorded seat change is the current quantity: no change",
      input: {
        order: {
          ...old,
          seatChanges: [
            { lineItemNumber: 0, subscriptionId: SUB, from: 25, to: 30, requestId: "r", at: NOW },
          ],
        },
        declared: 30,
        subscription: sub(30),
      },
      kind: "no-op",
      codes: [],
    },
    {
      title: "a line item without a subscription waits for provisioning",
      input: { order: { ...old, remoteLineItems: [] }, declared: 30 },
      kind: "update",
      updates: [{ subscriptionId: null, from: 25, to: 30 }],
      codes: [],
    },
  ])("$title", ({ title: _title, input, kind, codes, ...expected }) => {
    const { action, codes: got } = planFor(input);
    expect(got).toEqual(codes);
    expect(action).toMatchObject({ kind, ...expected });
  });

  it("finishes a started change before --replace buys a new order (the change is the old order's)", () => {
    // A replace now would make the new order the record, and the started change (on the old
    // order's subscription) would then be recorded on it, steering later changes to that subscription.
    const state = buildState({ orders: byName(old) });
    state.pendingUpdates = { [selectPendingUpdateKey(seats.name, 0)]: pending(25, 30) };
    const plan = createPlan(
      buildInput({
        desired: [withSeats(seats, 35)],
        state,
        remote: { lists: { [CONTOSO]: [buildRemoteFor(old)] }, subscriptions: { [CONTOSO]: [sub(25)] } },
        options: { replace: [seats.name] },
      }),
    );
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ kind: "update", updates: [{ from: 25, to: 30 }] });
    const warning = plan.diagnostics.find((d) => d.code === "plan.replace-not-applicable");
    expect(warning?.message).toContain(`--replace ${seats.name} waits`);
  });

  it("keeps any other edit a conflict", () => {
    const state = buildState({ orders: byName(old) });
    const declared = { ...withSeats(seats, 30), billingCycle: "annual" as const };
    const plan = createPlan(buildInput({ desired: [declared], state }));
    expect(plan.actions[0]?.kind).toBe("conflict");
  });
});

describe("seat-change journal entries", () => {
  const state = buildState({ orders: byName(old) });
  const change = {
    lineItemNumber: 0,
    subscriptionId: SUB,
    from: 25,
    to: 30,
    requestId: "req-update",
    at: NOW,
  };

  it("records an intent, then the change, which ends it; a replay changes nothing", () => {
    const entries = [
      { type: "update-intent" as const, update: pending(25, 30) },
      { type: "update-done" as const, name: seats.name, change },
    ];
    const folded = foldJournal(state, entries);
    expect(folded.pendingUpdates).toBeUndefined();
    expect(folded.orders[seats.name]?.seatChanges).toEqual([change]);
    expect(folded.orders[seats.name]?.applied).toBe(old.applied);
    expect(selectCurrentContent(folded.orders[seats.name] as StateOrder).lineItems[0]?.quantity).toBe(30);
    expect(foldJournal(folded, entries)).toEqual(folded);
    expect(state.pendingUpdates).toBeUndefined();
  });

  it("a refusal ends the intent and keeps the failure", () => {
    const failure = {
      name: seats.name,
      customer: CONTOSO,
      requestId: "req-update",
      at: NOW,
      httpStatus: 400,
      code: "2002",
      description: "out of range",
      lineItemNumber: 0,
    };
    const folded = foldJournal(state, [
      { type: "update-intent", update: pending(25, 30) },
      { type: "update-failed", failure },
    ]);
    expect(folded.pendingUpdates).toBeUndefined();
    expect(folded.failures[seats.name]).toEqual(failure);
    expect(folded.orders[seats.name]).toBe(old);
  });
});

describe("createUpdateRequestId", () => {
  const base = {
    lineage: "3F1C2B8E-5D4A-4E6F-8A9B-0C1D2E3F4A5B",
    name: "contoso/seats",
    lineItemNumber: 0,
    subscriptionId: SUB,
    changesRecorded: 0,
    from: 25,
    to: 30,
  };
  it("is the same for the same change from the same state, and differs for any other", () => {
    const id = createUpdateRequestId(base);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createUpdateRequestId({ ...base, lineage: base.lineage.toLowerCase() })).toBe(id);
    for (const other of [
      { changesRecorded: 1 },
      { to: 31 },
      { from: 24 },
      { lineItemNumber: 1 },
      { refusedRequestId: "r" },
    ]) {
      expect(createUpdateRequestId({ ...base, ...other })).not.toBe(id);
    }
  });
});
