import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  copyStateMaps,
  countJournalEntries,
  createEmptyState,
  foldJournal,
} from "../../../src/core/state-journal.js";
import type { JournalEntry } from "../../../src/core/state-journal.js";
import type { PendingUpdate, SentSeatChange, StateFile } from "../../../src/core/model.js";
import { LINEAGE, createFailure, createIntent, createOrder } from "./fixtures.js";

function stateWith(parts: Partial<Pick<StateFile, "orders" | "pending" | "failures">>): StateFile {
  return { ...createEmptyState(LINEAGE), ...parts };
}

describe("createEmptyState", () => {
  it("starts at serial 0 with the given lineage and empty maps", () => {
    expect(createEmptyState(LINEAGE)).toEqual({
      version: 1,
      lineage: LINEAGE,
      serial: 0,
      orders: {},
      pending: {},
      failures: {},
    });
  });
});

describe("foldJournal", () => {
  const a = createOrder("a");
  const cases: { name: string; before: StateFile; entries: JournalEntry[]; after: StateFile }[] = [
    {
      name: "intent adds a pending create",
      before: stateWith({}),
      entries: [{ type: "intent", intent: createIntent("a") }],
      after: stateWith({ pending: { a: createIntent("a") } }),
    },
    {
      name: "created records the order and clears its intent and failure",
      before: stateWith({ pending: { a: createIntent("a") }, failures: { a: createFailure("a") } }),
      entries: [{ type: "created", order: a }],
      after: stateWith({ orders: { a } }),
    },
    {
      name: "failed records the failure and clears the intent, keeping other orders",
      before: stateWith({ orders: { b: createOrder("b") }, pending: { a: createIntent("a") } }),
      entries: [{ type: "failed", failure: createFailure("a") }],
      after: stateWith({ orders: { b: createOrder("b") }, failures: { a: createFailure("a") } }),
    },
    {
      name: "status replaces the status of a recorded order",
      before: stateWith({ orders: { a } }),
      entries: [{ type: "status", name: "a", status: "completed" }],
      after: stateWith({ orders: { a: { ...a, status: "completed" } } }),
    },
    {
      name: "status of an unknown order is ignored",
      before: stateWith({}),
      entries: [{ type: "status", name: "a", status: "completed" }],
      after: stateWith({}),
    },
    {
      name: "forget drops order, intent and failure of that name only",
      before: stateWith({
        orders: { a, b: createOrder("b") },
        pending: { a: createIntent("a") },
        failures: { a: createFailure("a") },
      }),
      entries: [{ type: "forget", name: "a" }],
      after: stateWith({ orders: { b: createOrder("b") } }),
    },
    {
      name: "a retried intent keeps the last request id",
      before: stateWith({}),
      entries: [
        { type: "intent", intent: createIntent("a", "r1") },
        { type: "intent", intent: createIntent("a", "r2") },
      ],
      after: stateWith({ pending: { a: createIntent("a", "r2") } }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const beforeCopy = structuredClone(c.before);
      expect(foldJournal(c.before, c.entries)).toEqual(c.after);
      expect(c.before).toEqual(beforeCopy); // immutable: the input is untouched
    });
  }

  it("does not change records shared with an earlier copy", () => {
    const before = stateWith({ orders: { a } });
    const copy = copyStateMaps(before);
    const after = foldJournal(before, [{ type: "status", name: "a", status: "cancelled" }]);
    expect(copy.orders.a?.status).toBe("pending");
    expect(after.orders.a?.status).toBe("cancelled");
  });

  it("replaying a journal onto a state that already contains it changes nothing (recovery relies on it)", () => {
    const names = fc.constantFrom("a", "b", "c");
    const entry: fc.Arbitrary<JournalEntry> = fc.oneof(
      names.map((n) => ({ type: "intent" as const, intent: createIntent(n) })),
      fc
        .tuple(names, fc.constantFrom("x", "y"))
        .map(([n, id]) => ({ type: "created" as const, order: createOrder(n, { orderId: id }) })),
      names.map((n) => ({ type: "failed" as const, failure: createFailure(n) })),
      fc
        .tuple(names, fc.constantFrom("pending" as const, "completed" as const))
        .map(([n, status]) => ({ type: "status" as const, name: n, status })),
      names.map((n) => ({ type: "forget" as const, name: n })),
    );
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 12 }),
        fc.array(entry, { maxLength: 6 }),
        (journal, history) => {
          const base = foldJournal(createEmptyState(LINEAGE), history);
          const once = foldJournal(base, journal);
          expect(foldJournal(once, journal)).toEqual(once);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("countJournalEntries", () => {
  it("counts by type", () => {
    expect(
      countJournalEntries([
        { type: "intent", intent: createIntent("a") },
        { type: "created", order: createOrder("a") },
        { type: "intent", intent: createIntent("b") },
      ]),
    ).toEqual({
      intent: 2,
      created: 1,
      failed: 0,
      status: 0,
      forget: 0,
      move: 0,
      "update-intent": 0,
      "update-done": 0,
      "update-failed": 0,
    });
  });
});

describe("seat changes in the journal", () => {
  const change = (lineItemNumber: number, requestId: string): SentSeatChange => ({
    lineItemNumber,
    subscriptionId: `sub-${lineItemNumber}`,
    from: 7,
    to: 9,
    requestId,
    at: "2025-03-01T12:00:00Z",
  });
  const intent = (lineItemNumber: number, requestId: string): PendingUpdate => ({
    name: "a",
    customer: "c",
    orderId: "order-a",
    lineItemNumber,
    subscriptionId: `sub-${lineItemNumber}`,
    from: 7,
    to: 9,
    requestId,
    startedAt: "2025-03-01T12:00:00Z",
  });

  it("replaying the changes of two line items (recovery) records each change once", () => {
    // A kill after the snapshot was renamed and before the journal was truncated replays it all.
    const journal: JournalEntry[] = [
      { type: "update-intent", update: intent(1, "r1") },
      { type: "update-done", name: "a", change: change(1, "r1") },
      { type: "update-intent", update: intent(2, "r2") },
      { type: "update-done", name: "a", change: change(2, "r2") },
    ];
    const once = foldJournal(stateWith({ orders: { a: createOrder("a") } }), journal);
    expect(once.orders.a?.seatChanges?.map((c) => c.requestId)).toEqual(["r1", "r2"]);
    expect(foldJournal(once, journal)).toEqual(once);
  });
});
