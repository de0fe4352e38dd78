import { describe, expect, it } from "vitest";
import { parseTimestampMs } from "../../../src/core/compare.js";
import {
  describeReplacedOrder,
  selectOpenWindows,
  selectOrderWindow,
} from "../../../src/core/order-window.js";
import { createPlan } from "../../../src/core/planner.js";
import {
  NOW,
  OFFER,
  buildDesired,
  buildInput,
  buildRemoteFor,
  buildState,
  buildStateOrder,
  byName,
  CONTOSO,
} from "./builders.js";

const LEGACY = "84A03D81-6B37-4D66-8D4A-FAEA24541538";
const nowMs = parseTimestampMs(NOW)!;
const seats = buildDesired("contoso/seats");
const legacy = buildDesired("contoso/legacy", {
  lineItems: [{ lineItemNumber: 0, offerId: LEGACY, quantity: 3 }],
});
const recent = buildStateOrder(seats, { orderId: "ord-recent", creationDate: "2025-02-27T09:30:00Z" });
const old = buildStateOrder(seats, { orderId: "ord-old", creationDate: "2025-02-01T10:00:00Z" });

describe("selectOrderWindow", () => {
  it("is creation + 168 hours for a new-commerce order, none for a legacy one", () => {
    expect(selectOrderWindow(recent)).toEqual({ until: "2025-03-06T09:30:00.000Z", source: "policy" });
    expect(selectOrderWindow(buildStateOrder(legacy))).toBeNull();
  });

  it("takes the new-commerce items of a mixed order", () => {
    const mixed = buildStateOrder(
      buildDesired("contoso/mixed", {
        lineItems: [
          { lineItemNumber: 0, offerId: LEGACY, quantity: 1 },
          { lineItemNumber: 1, offerId: OFFER, quantity: 2 },
        ],
      }),
      { creationDate: "2025-02-27T09:30:00Z" },
    );
    expect(selectOrderWindow(mixed)?.until).toBe("2025-03-06T09:30:00.000Z");
  });
});

describe("describeReplacedOrder", () => {
  it.each([
    [
      recent,
      "order ord-recent stays active and billed; it can still be cancelled in Partner Center until 2025-03-06T09:30:00.000Z",
    ],
    [
      old,
      "order ord-old stays active and billed; its cancellation window closed at 2025-02-08T10:00:00.000Z: it stays billed until its term ends",
    ],
    [
      buildStateOrder(legacy, { orderId: "ord-legacy" }),
      "order ord-legacy stays active and billed until it is cancelled in Partner Center",
    ],
  ])("%#", (order, text) => {
    expect(describeReplacedOrder(order, nowMs)).toBe(text);
  });

  it("says an order cancelled outside orderform is cancelled, not billed on", () => {
    expect(describeReplacedOrder(recent, nowMs, true)).toBe(
      "order ord-recent, cancelled outside orderform, stays as it is",
    );
  });
});

describe("the plan", () => {
  it("says --replace buys a NEW order and the old one stays billed, with its deadline", () => {
    const edited = { ...seats, lineItems: [{ ...seats.lineItems[0]!, quantity: 30 }] };
    const plan = createPlan(
      buildInput({
        desired: [edited],
        state: buildState({ orders: byName(recent) }),
        remote: { lists: { [CONTOSO]: [buildRemoteFor(recent)] } },
        options: { replace: [seats.name] },
      }),
    );
    expect(plan.actions.map((a) => [a.kind, a.reason])).toEqual([
      [
        "create",
        "The declaration differs from order ord-recent; --replace buys a NEW order, and order ord-recent stays active and billed; it can still be cancelled in Partner Center until 2025-03-06T09:30:00.000Z.",
      ],
    ]);
    // The record being replaced is no longer an order of the plan's scope: its window is in the reason.
    expect(plan.cancellationWindows).toBeUndefined();
  });

  it("lists the open windows of placed orders only, and leaves the field out when none is open", () => {
    const other = buildDesired("contoso/other");
    const gone = buildDesired("contoso/gone");
    const placed = [
      recent,
      buildStateOrder(other, { orderId: "ord-other", creationDate: "2025-02-01T10:00:00Z" }),
      buildStateOrder(gone, { orderId: "ord-gone", creationDate: "2025-03-01T11:00:00Z" }),
      buildStateOrder(legacy, { orderId: "ord-legacy", creationDate: "2025-03-01T11:00:00Z" }),
    ];
    const input = buildInput({
      desired: [seats, other, legacy, buildDesired("contoso/new")],
      state: buildState({ orders: byName(...placed) }),
      remote: { lists: { [CONTOSO]: placed.map((p) => buildRemoteFor(p)) } },
    });
    const plan = createPlan(input);
    expect(plan.cancellationWindows).toEqual([
      { name: "contoso/gone", customer: CONTOSO, orderId: "ord-gone", until: "2025-03-08T11:00:00.000Z" },
      { name: "contoso/seats", customer: CONTOSO, orderId: "ord-recent", until: "2025-03-06T09:30:00.000Z" },
    ]);
    expect(selectOpenWindows(plan.actions, parseTimestampMs("2025-03-08T11:00:00.001Z")!)).toEqual([]);
    const later = createPlan({ ...input, now: "2025-03-09T00:00:00Z" });
    expect("cancellationWindows" in later).toBe(false);
  });
});
