/**
 * Seats observed when orderform records an order it did not place (src/core/observed-seats.ts):
 * which subscription is a line item's, what the declaration states, what the record keeps, and
 * that the planner then reads the observed seats as the current content.
 */
import { describe, expect, it } from "vitest";
import { contentOf } from "../../../src/core/compare.js";
import {
  createContentFromRemote,
  createDeclaredMatcher,
  selectCustomerOrders,
} from "../../../src/core/generate-rules.js";
import { checkImportMatch } from "../../../src/core/import-rules.js";
import type { DesiredOrder, RemoteOrder, RemoteSubscription, StateOrder } from "../../../src/core/model.js";
import {
  createCurrentOrder,
  createObservedRecord,
  selectLineItemSubscriptions,
} from "../../../src/core/observed-seats.js";
import { createPlan } from "../../../src/core/planner.js";
import { selectCurrentContent, selectSeatChangesMeta } from "../../../src/core/seat-changes.js";
import { CONTOSO, OFFER, buildDesired, buildInput, buildState, buildStateOrder, byName } from "./builders.js";

const ORDER = "3c2b1a00-0000-4000-8000-00000000000a";
const SUB_A = "5b1f0c9e-1111-4222-8333-44445555000a";
const SUB_B = "5b1f0c9e-1111-4222-8333-44445555000b";
const AT = "2025-03-01T12:00:00.000Z";
const OTHER_OFFER = "84A03D81-6B37-4D66-8D4A-FAEA24541538";

const sub = (id: string, quantity: number, extra: Partial<RemoteSubscription> = {}): RemoteSubscription => ({
  id,
  quantity,
  status: "active",
  orderId: ORDER,
  ...extra,
});

/** An order of Contoso with the given line items (quantity as placed, subscription id if provisioned). */
function order(
  ...items: Array<{ quantity: number; subscriptionId?: string; offerId?: string }>
): RemoteOrder {
  return {
    id: ORDER,
    customer: CONTOSO,
    billingCycle: "monthly",
    status: "completed",
    creationDate: "2025-02-01T10:00:00Z",
    lineItems: items.map((item, i) => ({
      lineItemNumber: i,
      offerId: item.offerId ?? OFFER,
      quantity: item.quantity,
      termDuration: "P1M",
      ...(item.subscriptionId === undefined ? {} : { subscriptionId: item.subscriptionId }),
    })),
  };
}

describe("selectLineItemSubscriptions", () => {
  it.each([
    {
      title: "the subscription the line item names, in any case",
      remote: order({ quantity: 5, subscriptionId: SUB_A.toUpperCase() }),
      subs: [sub(SUB_B, 1), sub(SUB_A, 7)],
      expected: [SUB_A],
    },
    {
      title: "one line item not named: the order's only subscription",
      remote: order({ quantity: 5 }),
      subs: [sub(SUB_A, 7), sub(SUB_B, 2, { orderId: "another-order" })],
      expected: [SUB_A],
    },
    {
      title: "one line item not named, two subscriptions of the order: none (not guessed)",
      remote: order({ quantity: 5 }),
      subs: [sub(SUB_A, 7), sub(SUB_B, 2)],
      expected: [undefined],
    },
    {
      title: "two line items: each by its own id, one not provisioned yet",
      remote: order({ quantity: 5, subscriptionId: SUB_A }, { quantity: 3 }),
      subs: [sub(SUB_A, 7), sub(SUB_B, 3)],
      expected: [SUB_A, undefined],
    },
    {
      title: "a named subscription not in the list (not read): none",
      remote: order({ quantity: 5, subscriptionId: SUB_A }),
      subs: [],
      expected: [undefined],
    },
    {
      title: "line items out of number order are read in number order",
      remote: {
        ...order(),
        lineItems: [
          { lineItemNumber: 1, offerId: OFFER, quantity: 3, subscriptionId: SUB_B },
          { lineItemNumber: 0, offerId: OFFER, quantity: 5, subscriptionId: SUB_A },
        ],
      },
      subs: [sub(SUB_A, 7), sub(SUB_B, 3)],
      expected: [SUB_A, SUB_B],
    },
  ])("$title", ({ remote, subs, expected }) => {
    expect(selectLineItemSubscriptions(remote, subs).map((s) => s?.id)).toEqual(expected);
  });
});

describe("what is declared and what the record keeps", () => {
  it.each([
    {
      title: "seats unchanged: the order as placed, no seat change",
      remote: order({ quantity: 5, subscriptionId: SUB_A }),
      subs: [sub(SUB_A, 5)],
      declared: [5],
      changes: [],
    },
    {
      title: "seats raised outside orderform: declared as now, observed 5 -> 7",
      remote: order({ quantity: 5, subscriptionId: SUB_A }),
      subs: [sub(SUB_A, 7)],
      declared: [7],
      changes: [{ lineItemNumber: 0, subscriptionId: SUB_A, from: 5, to: 7 }],
    },
    {
      title: "a suspended subscription keeps its seats and is declared with them",
      remote: order({ quantity: 5, subscriptionId: SUB_A }),
      subs: [sub(SUB_A, 3, { status: "suspended" })],
      declared: [3],
      changes: [{ lineItemNumber: 0, subscriptionId: SUB_A, from: 5, to: 3 }],
    },
    {
      title: "no subscription read (not provisioned): the order's quantity, no seat change",
      remote: order({ quantity: 5 }),
      subs: [],
      declared: [5],
      changes: [],
    },
    {
      title: "two line items, one changed: only that one observed",
      remote: order(
        { quantity: 5, subscriptionId: SUB_A },
        { quantity: 2, subscriptionId: SUB_B, offerId: OTHER_OFFER },
      ),
      subs: [sub(SUB_A, 5), sub(SUB_B, 9)],
      declared: [5, 9],
      changes: [{ lineItemNumber: 1, subscriptionId: SUB_B, from: 2, to: 9 }],
    },
  ])("$title", ({ remote, subs, declared, changes }) => {
    const lineSubs = selectLineItemSubscriptions(remote, subs);
    const content = createContentFromRemote(createCurrentOrder(remote, lineSubs));
    if (typeof content === "string") throw new Error(content);
    expect(content.lineItems.map((i) => i.quantity)).toEqual(declared);
    const record = createObservedRecord(content, remote, lineSubs, AT);
    // applied is the order as placed: order drift compares the order with it.
    expect(record.applied).toEqual(createContentFromRemote(remote));
    expect(record.seatChanges ?? []).toEqual(changes.map((c) => ({ ...c, observed: true, at: AT })));
    // The current content (what the planner compares) is the declaration.
    const state = buildStateOrder(buildDesired("contoso/x", content), {
      applied: record.applied,
      ...(record.seatChanges === undefined ? {} : { seatChanges: record.seatChanges }),
    });
    expect(selectCurrentContent(state)).toEqual(content);
  });

  it("a subscription with no seats left cannot be declared: listed with the reason", () => {
    const remote = order({ quantity: 5, subscriptionId: SUB_A });
    const selection = selectCustomerOrders({
      customer: { id: CONTOSO, companyName: "Contoso" },
      list: [remote],
      subscriptions: [sub(SUB_A, 0, { status: "deleted" })],
      folder: "contoso",
      isAccounted: () => false,
      declaredBy: () => undefined,
      used: new Set(),
    });
    expect(selection.generated).toEqual([]);
    expect(selection.unsupported).toEqual([
      { customer: CONTOSO, orderId: ORDER, reason: "quantity 0 of line item 0 is outside 1..100000" },
    ]);
  });
});

describe("import compares the declaration with the seats now", () => {
  const declare = (quantity: number): DesiredOrder =>
    buildDesired("contoso/seats", {
      lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity, termDuration: "P1M" }],
    });
  const remote = order({ quantity: 5, subscriptionId: SUB_A });
  it.each([
    { title: "the seats now: bound", declared: 7, subs: [sub(SUB_A, 7)], kind: "bind" },
    {
      title: "the order's original quantity after seats changed: a mismatch naming the seats now",
      declared: 5,
      subs: [sub(SUB_A, 7)],
      kind: "mismatch",
      differences: [{ path: "lineItems[0].quantity", before: 7, after: 5 }],
    },
    { title: "no subscription read: the order's quantity, as before", declared: 5, subs: [], kind: "bind" },
  ])("$title", ({ declared, subs, kind, differences }) => {
    const match = checkImportMatch({
      declared: declare(declared),
      orderId: ORDER,
      remote,
      subscriptions: subs,
      state: buildState(),
      clockSkewMs: 0,
    });
    expect(match.kind).toBe(kind);
    if (match.kind === "mismatch") expect(match.differences).toEqual(differences);
    if (match.kind === "bind") expect(match.content).toEqual(contentOf(declare(declared)));
  });
});

describe("a record with observed seats, planned", () => {
  const remote = order({ quantity: 5, subscriptionId: SUB_A });
  const declared = (quantity: number): DesiredOrder =>
    buildDesired("contoso/seats", {
      partnerOnRecordAttestationAccepted: undefined,
      lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity, termDuration: "P1M" }],
    });
  const record = (): StateOrder => {
    const now = contentOf(declared(7));
    const { applied, seatChanges } = createObservedRecord(now, remote, [sub(SUB_A, 7)], AT);
    return buildStateOrder(declared(7), {
      orderId: ORDER,
      applied,
      origin: "imported",
      ...(seatChanges === undefined ? {} : { seatChanges }),
    });
  };
  const planWith = (quantity: number, seatsNow: number) =>
    createPlan(
      buildInput({
        desired: [declared(quantity)],
        state: buildState({ orders: byName(record()) }),
        remote: {
          lists: { [CONTOSO]: [remote] },
          subscriptions: { [CONTOSO]: [sub(SUB_A, seatsNow)] },
        },
      }),
    );

  it("is clean: neither order drift (the order keeps 5) nor subscription drift (it holds 7)", () => {
    const plan = planWith(7, 7);
    expect(plan.actions.map((a) => a.kind)).toEqual(["no-op"]);
    expect(plan.diagnostics).toEqual([]);
  });

  it("an edit of the declaration is a seat change from the observed seats", () => {
    const plan = planWith(9, 7);
    expect(plan.actions[0]).toMatchObject({
      kind: "update",
      updates: [{ lineItemNumber: 0, subscriptionId: SUB_A, from: 7, to: 9 }],
    });
  });

  it("seats changed again outside orderform are drift from the observed seats", () => {
    const plan = planWith(7, 8);
    expect(plan.actions[0]?.kind).toBe("drift");
    expect(plan.actions[0]).toMatchObject({
      differences: [{ path: "lineItems[0].quantity", before: 7, after: 8 }],
    });
  });

  it("is not counted as a seat change in the history meta: orderform changed nothing", () => {
    const before = buildState();
    const after = buildState({ orders: byName(record()) });
    expect(record().seatChanges).toHaveLength(1);
    expect(selectSeatChangesMeta(before, after)).toEqual({});
  });
});

describe("generate next to a declaration that state does not record", () => {
  // A record lost after a seat change: the partner's declaration says the seats now, not the
  // order's quantity. Generated, the order's record would let plan buy that declaration again.
  it.each([
    { title: "declared as placed", declared: 5, expected: "contoso/seats" },
    { title: "declared with its seats now", declared: 9, expected: "contoso/seats" },
    { title: "declared with other seats: not that order", declared: 4, expected: undefined },
  ])("$title", ({ declared, expected }) => {
    const desired = [
      buildDesired("contoso/seats", {
        lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity: declared, termDuration: "P1M" }],
      }),
    ];
    const declaredBy = createDeclaredMatcher({ desired, state: null, ownFiles: new Map() });
    const selection = selectCustomerOrders({
      customer: { id: CONTOSO, companyName: "Contoso" },
      list: [order({ quantity: 5, subscriptionId: SUB_A })],
      subscriptions: [sub(SUB_A, 9)],
      folder: "contoso",
      isAccounted: () => false,
      declaredBy,
      used: new Set(),
    });
    expect(selection.declared.map((d) => d.name)).toEqual(expected === undefined ? [] : [expected]);
    expect(selection.generated.length).toBe(expected === undefined ? 1 : 0);
  });
});
