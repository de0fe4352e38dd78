/** Order names that are Object.prototype members (`constructor`, `toString`): pure rules (docs/exactly-once.md). */
import { describe, expect, it } from "vitest";
import { createEmptyState, foldJournal } from "../../../src/core/state-journal.js";
import { createAccountedOrderIds } from "../../../src/core/duplicates.js";
import type { OrderContent, StateOrder } from "../../../src/core/model.js";

const CUSTOMER = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
const CONTENT: OrderContent = {
  customer: CUSTOMER,
  billingCycle: "monthly",
  lineItems: [
    { lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity: 7, termDuration: "P1M" },
  ],
};

function order(name: string, orderId: string): StateOrder {
  return {
    name,
    customer: CUSTOMER,
    orderId,
    requestId: "r",
    creationDate: "2026-01-01T00:00:00Z",
    recordedAt: "2026-01-01T00:00:00Z",
    status: "completed",
    applied: CONTENT,
    origin: "created",
  };
}

describe("names that are Object.prototype members", () => {
  it.each(["constructor", "toString", "valueOf"])(
    "folding a create of an order named %s records it alone, and planning over it works",
    (name) => {
      const state = foldJournal(createEmptyState("l"), [
        {
          type: "intent",
          intent: {
            name,
            customer: CUSTOMER,
            requestId: "r",
            startedAt: "2026-01-01T00:00:00Z",
            content: CONTENT,
            generation: 0,
          },
        },
        { type: "created", order: order(name, "o1") },
      ]);
      expect(state.orders[name]?.replaced).toBeUndefined();
      expect(() => createAccountedOrderIds(state, {}, 0)).not.toThrow();
      expect(state.generations?.[name]).toBe(1);
    },
  );
});
