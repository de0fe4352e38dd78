/** fast-check generators of planner inputs: every mix of declared, placed, pending, failed and remote views. */
import fc from "fast-check";
import { contentOf } from "../../../src/core/compare.js";
import type { DesiredOrder, RemoteOrder, RemoteOrderStatus, StateFile } from "../../../src/core/model.js";
import type { PlanInput } from "../../../src/core/planner.js";
import { CONTOSO, FABRIKAM, buildDesired, buildIntent, buildRemote, buildStateOrder } from "./builders.js";

const NAMES = ["a/one", "a/two", "b/one", "b/two", "c/x"];
const CUSTOMERS = [CONTOSO, FABRIKAM];
const TIMES = [
  "2025-03-01T11:40:00Z",
  "2025-03-01T11:55:00Z",
  "2025-03-01T11:59:59Z",
  "2025-01-01T00:00:00Z",
  "garbage",
];
const STATUSES: RemoteOrderStatus[] = ["pending", "completed", "cancelled", "unknown"];

/** Everything one name may have: a declaration, a placed order, an intent, a failure; remote views of it. */
const arbSubject = fc.record({
  declared: fc.boolean(),
  customer: fc.constantFrom(...CUSTOMERS),
  quantity: fc.constantFrom(1, 2),
  placed: fc.option(fc.record({ quantity: fc.constantFrom(1, 2), creationDate: fc.constantFrom(...TIMES) }), {
    nil: undefined,
  }),
  pending: fc.option(fc.record({ quantity: fc.constantFrom(1, 2), startedAt: fc.constantFrom(...TIMES) }), {
    nil: undefined,
  }),
  failed: fc.boolean(),
  listedStatus: fc.option(fc.constantFrom(...STATUSES), { nil: undefined }),
  listedQuantity: fc.constantFrom(1, 2, 3),
  byId: fc.constantFrom("absent", "null", "found"),
});

export const arbInput: fc.Arbitrary<PlanInput> = fc
  .record({
    subjects: fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), arbSubject), {
      selector: (t) => t[0],
      maxLength: 5,
    }),
    strangers: fc.array(
      fc.record({
        id: fc.constantFrom("s1", "s2", "order-a-one"),
        customer: fc.constantFrom(...CUSTOMERS),
        q: fc.constantFrom(1, 2),
        at: fc.constantFrom(...TIMES),
      }),
      { maxLength: 4 },
    ),
    listed: fc.subarray(CUSTOMERS),
    replace: fc.subarray(NAMES),
    customers: fc.subarray([...CUSTOMERS, "cccccccc-0000-4000-8000-000000000000"]),
    window: fc.constantFrom(0, 60_000, 900_000),
  })
  .map(({ subjects, strangers, listed, replace, customers, window }) => {
    const desired: DesiredOrder[] = [];
    const state: StateFile = { version: 1, lineage: "l", serial: 1, orders: {}, pending: {}, failures: {} };
    const lists: Record<string, RemoteOrder[]> = Object.fromEntries(listed.map((c) => [c, []]));
    const byId: Record<string, RemoteOrder | null> = {};
    for (const [name, s] of subjects) {
      const decl = buildDesired(name, { customer: s.customer });
      const withQuantity = (q: number): DesiredOrder => ({
        ...decl,
        lineItems: [{ lineItemNumber: 0, offerId: "OFFER", quantity: q }],
      });
      if (s.declared) desired.push(withQuantity(s.quantity));
      if (s.placed !== undefined) {
        const order = buildStateOrder(withQuantity(s.placed.quantity), {
          creationDate: s.placed.creationDate,
          recordedAt: s.placed.creationDate,
        });
        state.orders[name] = order;
        const remote = buildRemote(order.orderId, order.applied, {
          status: s.listedStatus ?? "completed",
          creationDate: order.creationDate,
        });
        if (s.listedStatus !== undefined)
          lists[s.customer]?.push({
            ...remote,
            lineItems: [{ lineItemNumber: 0, offerId: "offer", quantity: s.listedQuantity }],
          });
        if (s.byId !== "absent") byId[order.orderId] = s.byId === "null" ? null : remote;
      }
      if (s.pending !== undefined) {
        state.pending[name] = buildIntent(withQuantity(s.pending.quantity), {
          startedAt: s.pending.startedAt,
        });
      }
      if (s.failed) {
        state.failures[name] = {
          name,
          customer: s.customer,
          requestId: "r",
          at: "2025-01-01T00:00:00Z",
          httpStatus: 400,
          code: "800002",
          description: "bad",
        };
      }
    }
    for (const s of strangers) {
      lists[s.customer]?.push(
        buildRemote(
          s.id,
          contentOf({
            ...buildDesired("x", { customer: s.customer }),
            lineItems: [{ lineItemNumber: 0, offerId: "OFFER", quantity: s.q }],
          }),
          {
            creationDate: s.at,
          },
        ),
      );
    }
    return {
      desired,
      state,
      remote: { lists, byId },
      now: "2025-03-01T12:00:00Z",
      toolVersion: "0.0.0",
      options: { customers, replace, visibilityWindowMs: window },
    };
  });
