/**
 * What a plan asks Partner Center for (src/core/plan-scope.ts): the customers to list and the
 * placed orders to look up by id, and that what is looked up turns a drift into a no-op.
 */
import { describe, expect, it } from "vitest";
import { createPlan, selectCustomersToList, selectOrdersToFetch } from "../../../src/core/planner.js";
import {
  CONTOSO,
  FABRIKAM,
  NOW,
  buildDesired,
  buildInput,
  buildIntent,
  buildRemoteFor,
  buildState,
  buildStateOrder,
  byName,
} from "./builders.js";
import { edited, listed, only, placed, recent, seats } from "./planner-fixtures.js";

describe("selectCustomersToList", () => {
  const state = buildState({
    orders: byName(
      buildStateOrder(buildDesired("x/old", { customer: "CCCCCCCC-0000-4000-8000-000000000000" })),
    ),
    pending: byName(buildIntent(buildDesired("x/p", { customer: FABRIKAM }))),
  });
  it.each([
    { customers: [], expected: [FABRIKAM, CONTOSO, "cccccccc-0000-4000-8000-000000000000"] },
    { customers: [FABRIKAM], expected: [FABRIKAM] },
    { customers: ["dddddddd-0000-4000-8000-000000000000"], expected: [] },
  ])("customers=$customers", ({ customers, expected }) => {
    expect(selectCustomersToList([seats], state, { customers })).toEqual(expected);
  });
});

describe("selectOrdersToFetch", () => {
  const other = buildDesired("contoso/other");
  const otherPlaced = buildStateOrder(other, { orderId: "o-other" });
  const cases: { name: string; input: Parameters<typeof selectOrdersToFetch>[0]; expected: string[] }[] = [
    {
      name: "old and missing from the list",
      input: {
        desired: [seats],
        state: buildState({ orders: byName(placed) }),
        lists: listed(),
        now: NOW,
        options: { customers: [], visibilityWindowMs: 900_000 },
      },
      expected: [placed.orderId],
    },
    {
      name: "present in the list (any case)",
      input: {
        desired: [seats],
        state: buildState({ orders: byName(placed) }),
        lists: listed(buildRemoteFor(placed, { id: placed.orderId.toUpperCase() })),
        now: NOW,
        options: { customers: [], visibilityWindowMs: 900_000 },
      },
      expected: [],
    },
    {
      name: "young: within the window",
      input: {
        desired: [seats],
        state: buildState({ orders: byName(recent) }),
        lists: listed(),
        now: NOW,
        options: { customers: [], visibilityWindowMs: 900_000 },
      },
      expected: [],
    },
    {
      name: "customer not listed",
      input: {
        desired: [seats],
        state: buildState({ orders: byName(placed) }),
        lists: {},
        now: NOW,
        options: { customers: [], visibilityWindowMs: 900_000 },
      },
      expected: [],
    },
    {
      name: "undeclared, pending and conflicting orders are not looked up",
      input: {
        desired: [edited(other, 2)],
        state: buildState({ orders: byName(placed, otherPlaced), pending: byName(buildIntent(seats)) }),
        lists: listed(),
        now: NOW,
        options: { customers: [], visibilityWindowMs: 900_000 },
      },
      expected: [],
    },
    {
      name: "filtered by customer",
      input: {
        desired: [seats],
        state: buildState({ orders: byName(placed) }),
        lists: listed(),
        now: NOW,
        options: { customers: [FABRIKAM], visibilityWindowMs: 900_000 },
      },
      expected: [],
    },
  ];
  it.each(cases)("$name", ({ input, expected }) => {
    expect(selectOrdersToFetch(input).map((x) => x.orderId)).toEqual(expected);
  });

  it("what it selects, answered by id, turns the drift into a no-op", () => {
    const input = buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed() },
    });
    expect(only(createPlan(input)).kind).toBe("drift");
    const toFetch = selectOrdersToFetch({ ...input, lists: input.remote.lists });
    const byId = Object.fromEntries(toFetch.map((x) => [x.orderId, buildRemoteFor(placed)]));
    expect(only(createPlan({ ...input, remote: { ...input.remote, byId } }))).toMatchObject({
      kind: "no-op",
      seen: "fetched",
    });
  });
});
