import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentOf } from "../../../src/core/compare.js";
import type { DesiredOrder, RemoteOrder, RemoteOrderStatus, StateFile } from "../../../src/core/model.js";
import { createPlan } from "../../../src/core/planner.js";
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

const arbInput: fc.Arbitrary<PlanInput> = fc
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

describe("planner properties", () => {
  it("never proposes a create for a placed or pending order, whatever the remote side says (except --replace of a placed one)", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const plan = createPlan(input);
        const state = input.state as StateFile;
        for (const action of plan.actions) {
          if (action.kind !== "create") continue;
          expect(state.pending[action.name]).toBeUndefined();
          const placed = state.orders[action.name];
          if (placed !== undefined) {
            expect(input.options.replace).toContain(action.name);
            expect(action.replaces).toEqual({ orderId: placed.orderId });
          } else {
            expect(action.replaces).toBeUndefined();
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("without --replace, nothing in state is ever created again, and every pending intent is resumed", () => {
    fc.assert(
      fc.property(arbInput, (generated) => {
        const input = { ...generated, options: { ...generated.options, replace: [] } };
        const plan = createPlan(input);
        const state = input.state as StateFile;
        const creates = plan.actions.filter((a) => a.kind === "create").map((a) => a.name);
        for (const name of creates) {
          expect(Object.keys(state.orders)).not.toContain(name);
          expect(Object.keys(state.pending)).not.toContain(name);
        }
        const selected = (c: string): boolean =>
          input.options.customers.length === 0 || input.options.customers.includes(c);
        const resumed = plan.actions
          .filter((a) => a.kind === "resume")
          .map((a) => a.name)
          .sort();
        const pending = Object.values(state.pending)
          .filter((i) => selected(i.customer))
          .map((i) => i.name)
          .sort();
        expect(resumed).toEqual(pending);
      }),
      { numRuns: 500 },
    );
  });

  it("adopts each listed order at most once and never one bound to a state order", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const plan = createPlan(input);
        const bound = new Set(
          Object.values((input.state as StateFile).orders).map((o) => o.orderId.toLowerCase()),
        );
        const adopted = plan.actions.flatMap((a) =>
          a.kind === "resume" && a.adopt !== undefined ? [a.adopt.orderId.toLowerCase()] : [],
        );
        expect(new Set(adopted).size).toBe(adopted.length);
        for (const id of adopted) expect(bound.has(id)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic and does not mutate its input", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const before = structuredClone(input);
        const first = createPlan(input);
        expect(input).toEqual(before);
        expect(createPlan(structuredClone(input))).toEqual(first);
        // The plan holds copies: changing it leaves the input alone.
        for (const action of first.actions) (action as { name: string }).name = "changed";
        for (const d of first.desired) d.lineItems.length = 0;
        expect(input).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it("plans each name at most once, sorted by customer then name", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const plan = createPlan(input);
        const names = plan.actions.map((a) => a.name);
        expect(new Set(names).size).toBe(names.length);
        const keys = plan.actions.map((a) => `${a.customer}\u0000${a.name}`);
        expect(keys).toEqual([...keys].sort());
      }),
      { numRuns: 300 },
    );
  });
});
