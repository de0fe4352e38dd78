/** Plans made by the real planner from small inputs, for the renderer tests. */
import type { DesiredOrder } from "../../../src/core/model.js";
import type { Plan } from "../../../src/core/plan.js";
import { createPlan } from "../../../src/core/planner.js";
import {
  CONTOSO,
  FABRIKAM,
  buildDesired,
  buildInput,
  buildIntent,
  buildRemote,
  buildRemoteFor,
  buildState,
  buildStateOrder,
  byName,
} from "../core/builders.js";

const withQuantity = (d: DesiredOrder, quantity: number): DesiredOrder => ({
  ...d,
  lineItems: d.lineItems.map((li) => ({ ...li, quantity })),
});
/** A quantity and a term edit: the term makes it a conflict (a quantity alone is a seat change). */
const withQuantityAndTerm = (d: DesiredOrder, quantity: number): DesiredOrder => ({
  ...d,
  lineItems: d.lineItems.map((li) => ({ ...li, quantity, termDuration: "P1Y" })),
});

/** One action of every kind, two customers, a warning. */
export function createEveryKindPlan(): Plan {
  const create = buildDesired("contoso/new-seats", {
    lineItems: [
      {
        lineItemNumber: 0,
        offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
        quantity: 10,
        termDuration: "P1Y",
        friendlyName: "Contoso `new` seats",
        renewsTo: { termDuration: "P1Y" },
        additionalPartnerIdsOnRecord: ["4847383"],
      },
    ],
  });
  const unchanged = buildDesired("contoso/unchanged");
  const recent = buildDesired("contoso/recent");
  const cancelled = buildDesired("contoso/cancelled");
  const edited = buildDesired("contoso/edited", {
    source: { file: "orders/contoso.yaml", line: 14, column: 1 },
  });
  const resumed = buildDesired("fabrikam/resumed", { customer: FABRIKAM });
  // Another quantity than fabrikam/resumed: two intents with the same content adopt nothing.
  const adopted = withQuantity(buildDesired("fabrikam/adopted", { customer: FABRIKAM }), 12);
  const placed = {
    unchanged: buildStateOrder(unchanged, { orderId: "ord-unchanged" }),
    cancelled: buildStateOrder(cancelled, { orderId: "ord-cancelled" }),
    edited: buildStateOrder(edited, { orderId: "ord-edited" }),
    old: buildStateOrder(buildDesired("contoso/old"), { orderId: "ord-old" }),
    recent: buildStateOrder(recent, {
      orderId: "ord-recent",
      creationDate: "2025-03-01T11:58:00Z",
      recordedAt: "2025-03-01T11:58:01Z",
    }),
  };
  const adoptIntent = buildIntent(adopted, { requestId: "req-adopted", startedAt: "2025-03-01T11:50:00Z" });
  return createPlan(
    buildInput({
      desired: [create, unchanged, recent, cancelled, withQuantityAndTerm(edited, 30), resumed, adopted],
      state: buildState({
        orders: byName(placed.unchanged, placed.cancelled, placed.edited, placed.old, placed.recent),
        pending: byName(buildIntent(resumed, { requestId: "req-resumed" }), adoptIntent),
      }),
      remote: {
        lists: {
          [CONTOSO]: [
            buildRemoteFor(placed.unchanged),
            buildRemoteFor(placed.cancelled, { status: "cancelled" }),
            buildRemoteFor(placed.edited),
          ],
          [FABRIKAM]: [
            buildRemote("ord-adopted", adoptIntent.content, { creationDate: "2025-03-01T11:50:40Z" }),
          ],
        },
      },
      options: { replace: ["contoso/unknown"] },
    }),
  );
}

export function createNoChangesPlan(): Plan {
  const seats = buildDesired("contoso/seats");
  const placed = buildStateOrder(seats, { orderId: "ord-seats" });
  return createPlan(
    buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: { [CONTOSO]: [buildRemoteFor(placed)] } },
    }),
  );
}

/** Many customers with many creates: far more than one 65,536-character comment. */
export function createLargePlan(customers: number, ordersPerCustomer: number): Plan {
  const desired: DesiredOrder[] = [];
  for (let c = 0; c < customers; c += 1) {
    const customer = `${c.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;
    for (let o = 0; o < ordersPerCustomer; o += 1) {
      desired.push(
        buildDesired(`customer-${c}/order-${String(o).padStart(3, "0")}`, {
          customer,
          lineItems: [0, 1, 2].map((i) => ({
            lineItemNumber: i,
            offerId: `CFQ7TTC0LH0Z:000${i}:CFQ7TTC0K18P`,
            quantity: 5 + i,
            termDuration: "P1M" as const,
            friendlyName: `Seats ${c}/${o}/${i}`,
          })),
        }),
      );
    }
  }
  return createPlan(buildInput({ desired }));
}

/** One seat change in place next to an unchanged order: the plans that carry the Update column. */
export function createSeatUpdatePlan(): Plan {
  const seats = buildDesired("contoso/seats");
  const other = buildDesired("contoso/other");
  const placed = buildStateOrder(seats, {
    orderId: "ord-seats",
    remoteLineItems: [
      { lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001", quantity: 5, subscriptionId: "sub-seats" },
    ],
  });
  const unchanged = buildStateOrder(other, { orderId: "ord-other" });
  const before = placed.applied.lineItems[0]?.quantity ?? 0;
  return createPlan(
    buildInput({
      desired: [withQuantity(seats, before + 3), other],
      state: buildState({ orders: byName(placed, unchanged) }),
      remote: {
        lists: { [CONTOSO]: [buildRemoteFor(placed), buildRemoteFor(unchanged)] },
        subscriptions: {
          [CONTOSO]: [{ id: "sub-seats", quantity: before, status: "active", orderId: "ord-seats" }],
        },
      },
    }),
  );
}
