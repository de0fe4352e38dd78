import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StateFile } from "../../../src/core/model.js";
import { createPlan } from "../../../src/core/planner.js";
import { arbInput } from "./arbitraries.js";

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
        // The plan refers to the input's records (they are immutable values): planning a deeply
        // frozen input must work, since any write to it throws in strict mode.
        const first = createPlan(deepFreeze(input));
        expect(input).toEqual(before);
        expect(createPlan(structuredClone(before))).toEqual(first);
        expect(JSON.parse(JSON.stringify(first))).toEqual(first); // plain JSON data
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

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
