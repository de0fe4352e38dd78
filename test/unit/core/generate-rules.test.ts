import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesRemote } from "../../../src/core/compare.js";
import {
  createGeneratedNames,
  createNameSegment,
  type NameCandidate,
} from "../../../src/core/generate-names.js";
import { createContentFromRemote, selectOrdersToGenerate } from "../../../src/core/generate-rules.js";
import type { RemoteOrder } from "../../../src/core/model.js";
import { buildDesired, buildIntent, buildRemote, buildState, buildStateOrder, byName } from "./builders.js";

/** schemas/order.schema.json's name pattern and bound. */
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const CONTOSO = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
const OTHER = "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13";
const OFFER = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";

function candidate(overrides: Partial<NameCandidate> = {}): NameCandidate {
  return {
    customer: CONTOSO,
    companyName: "Contoso",
    orderId: "order-1",
    creationDate: "2026-01-01T00:00:00Z",
    offerIds: [OFFER],
    ...overrides,
  };
}

describe("createNameSegment", () => {
  const cases: [string, string][] = [
    ["Contoso", "contoso"],
    ["Contoso Ltd.", "contoso-ltd"],
    ["Société Générale", "societe-generale"],
    ["Müller & Söhne GmbH", "muller-sohne-gmbh"],
    ["  --A__B--  ", "a-b"],
    ["株式会社", ""],
    ["Ｆｕｌｌｗｉｄｔｈ", "fullwidth"],
    [OFFER, "cfq7ttc0lh0z-0001-cfq7ttc0k18p"],
    ["x".repeat(300), "x".repeat(80)],
  ];
  it.each(cases)("%j -> %j", (text, expected) => {
    expect(createNameSegment(text)).toBe(expected);
  });
});

describe("createGeneratedNames", () => {
  const cases: {
    title: string;
    candidates: NameCandidate[];
    taken?: { name: string; customer?: string }[];
    names: string[];
  }[] = [
    {
      title: "company and offer",
      candidates: [candidate()],
      names: ["contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p"],
    },
    {
      title: "two orders of one offer: numbered by creation date",
      candidates: [
        candidate({ orderId: "b", creationDate: "2026-02-01T00:00:00Z" }),
        candidate({ orderId: "a", creationDate: "2026-03-01T00:00:00Z" }),
      ],
      names: ["contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p", "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p-2"],
    },
    {
      title: "a taken name (any case) is skipped",
      candidates: [candidate()],
      taken: [{ name: "Contoso/CFQ7TTC0LH0Z-0001-CFQ7TTC0K18P", customer: CONTOSO }],
      names: ["contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p-2"],
    },
    {
      title: "a non-Latin company name: the tenant id",
      candidates: [candidate({ companyName: "株式会社" })],
      names: ["customer-b0d70a69/cfq7ttc0lh0z-0001-cfq7ttc0k18p"],
    },
    {
      title: "two customers of the same name each get their tenant id",
      candidates: [candidate(), candidate({ customer: OTHER, orderId: "order-2", companyName: "CONTOSO" })],
      names: [
        "contoso-b0d70a69/cfq7ttc0lh0z-0001-cfq7ttc0k18p",
        "contoso-3f2b8a1c/cfq7ttc0lh0z-0001-cfq7ttc0k18p",
      ],
    },
    {
      title: "a folder a state record of another customer uses",
      candidates: [candidate()],
      taken: [{ name: "contoso/seats", customer: OTHER }],
      names: ["contoso-b0d70a69/cfq7ttc0lh0z-0001-cfq7ttc0k18p"],
    },
    {
      title: "several line items",
      candidates: [candidate({ offerIds: [OFFER, OFFER, "MS-AZR-0145P"] })],
      names: ["contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p-and-2-more"],
    },
  ];
  it.each(cases)("$title", ({ candidates, taken, names }) => {
    const result = createGeneratedNames(candidates, taken ?? []);
    expect(candidates.map((c) => result.get(c.orderId))).toEqual(names);
  });

  it("gives 500 orders of one offer 500 unique names", () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      candidate({ orderId: `o${i}`, creationDate: `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}Z` }),
    );
    const names = new Set(createGeneratedNames(many, []).values());
    expect(names.size).toBe(500);
  });

  // A customer has one company name; the arbitrary company names are drawn per customer.
  const CUSTOMERS = [CONTOSO, OTHER, "f81d98dd-c2f4-499e-a194-5619e260344e"];
  const arbCompanyNames = fc.array(
    fc.oneof(fc.string(), fc.constantFrom("Contoso", "株式会社", "Ünïcødé Ltd", "-")),
    {
      minLength: CUSTOMERS.length,
      maxLength: CUSTOMERS.length,
    },
  );
  const arbOrders = fc.uniqueArray(
    fc.record({
      customerIndex: fc.integer({ min: 0, max: CUSTOMERS.length - 1 }),
      orderId: fc.uuid(),
      creationDate: fc.constantFrom("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
      offerIds: fc.array(
        fc.constantFrom(OFFER, "MS-AZR-0145P", "84A03D81-6B37-4D66-8D4A-FAEA24541538", "::"),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
    }),
    { selector: (c) => c.orderId, maxLength: 30 },
  );
  const arbCandidates = fc.tuple(arbCompanyNames, arbOrders).map(([companyNames, orders]) =>
    orders.map(({ customerIndex, ...order }) => ({
      ...order,
      customer: CUSTOMERS[customerIndex] as string,
      companyName: companyNames[customerIndex] as string,
    })),
  );
  const arbTaken = fc.array(
    fc.record({ name: fc.constantFrom("contoso/x", "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p", "a/b") }),
    {
      maxLength: 3,
    },
  );

  it("always gives valid, unique names that avoid the taken ones, whatever the input order", () => {
    fc.assert(
      fc.property(arbCandidates, arbTaken, (candidates, taken) => {
        const names = createGeneratedNames(candidates, taken);
        const values = [...names.values()];
        for (const name of values) {
          expect(name).toMatch(VALID_NAME);
          expect(name.length).toBeLessThanOrEqual(200);
        }
        const lower = values.map((n) => n.toLowerCase());
        expect(new Set(lower).size).toBe(values.length);
        for (const t of taken) expect(lower).not.toContain(t.name.toLowerCase());
        const reversed = createGeneratedNames([...candidates].reverse(), taken);
        expect(Object.fromEntries(reversed)).toEqual(Object.fromEntries(names));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a tenant id that is no GUID out of the path: valid names, never a `..` segment", () => {
    const odd = ["../../../tmp/x", "..\\..\\evil", "A/B", ".."];
    const names = createGeneratedNames(
      odd.flatMap((customer, i) => [
        candidate({ customer, companyName: "Contoso", orderId: `c${i}` }),
        candidate({ customer, companyName: "株式会社", orderId: `k${i}` }),
      ]),
      [],
    );
    for (const name of names.values()) {
      expect(name).toMatch(VALID_NAME);
      expect(name.split("/")).toHaveLength(2);
    }
    expect(new Set(names.values()).size).toBe(odd.length * 2);
  });
});

describe("selectOrdersToGenerate", () => {
  const seats = buildDesired("contoso/seats");
  const recorded = buildStateOrder(seats, { orderId: "recorded" });
  const remote = (id: string, overrides: Partial<RemoteOrder> = {}) => buildRemote(id, seats, overrides);
  const pendingDesired = buildDesired("contoso/pending", {
    lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity: 3, termDuration: "P1M" }],
  });

  it("skips tracked, replaced, pending-owned and cancelled orders, and lists undeclarable ones with the reason", () => {
    const state = buildState({
      orders: byName({ ...recorded, replaced: [buildStateOrder(seats, { orderId: "superseded" })] }),
      pending: byName(buildIntent(pendingDesired, { startedAt: "2025-01-01T00:00:00Z" })),
    });
    const selection = selectOrdersToGenerate({
      customers: [{ id: seats.customer, companyName: "Contoso" }],
      lists: {
        [seats.customer]: [
          remote("RECORDED"),
          remote("superseded"),
          buildRemote("pending-made", pendingDesired),
          remote("cancelled", { status: "cancelled" }),
          remote("weird", { billingCycle: "unknown_cycle" }),
          remote("fresh"),
        ],
      },
      state,
      taken: [],
      clockSkewMs: 0,
    });
    expect(selection.tracked).toBe(3);
    expect(selection.cancelled).toBe(1);
    expect(selection.unsupported).toEqual([
      {
        customer: seats.customer,
        orderId: "weird",
        reason: 'billing cycle "unknown_cycle" cannot be declared',
      },
    ]);
    expect(selection.generated.map((g) => g.remote.id)).toEqual(["fresh"]);
  });

  it("leaves an order that a declaration not in state matches to import, unless the declaration is its own generated file", () => {
    const other = buildDesired("contoso/other", { customer: OTHER });
    const select = (ownFiles: Map<string, string>, state = buildState({})) =>
      selectOrdersToGenerate({
        customers: [{ id: seats.customer, companyName: "Contoso" }],
        lists: { [seats.customer]: [remote("lost-record"), remote("second", { billingCycle: "annual" })] },
        state,
        taken: [],
        clockSkewMs: 0,
        desired: [other, seats],
        ownFiles,
      });
    const lost = select(new Map());
    expect(lost.declared).toEqual([
      { customer: seats.customer, orderId: "lost-record", name: "contoso/seats" },
    ]);
    expect(lost.generated.map((g) => g.remote.id)).toEqual(["second"]);
    // The declaration is generate's own file of this very order (a rerun after a crash): generated.
    const own = select(new Map([["contoso/seats", "LOST-RECORD"]]));
    expect(own.declared).toEqual([]);
    expect(own.generated.map((g) => g.remote.id).sort()).toEqual(["lost-record", "second"]);
    // Another order's generated file still claims an order it matches.
    expect(select(new Map([["contoso/seats", "elsewhere"]])).declared).toHaveLength(1);
    // A declaration state records claims nothing: its create is not planned.
    const inState = select(new Map(), buildState({ orders: byName(recorded) }));
    expect(inState.declared).toEqual([]);
    expect(inState.generated.map((g) => g.remote.id).sort()).toEqual(["lost-record", "second"]);
  });

  it("declares exactly what import would bind: the content matches the order", () => {
    const order = remote("o", {
      billingCycle: "OneTime",
      lineItems: [
        { lineItemNumber: 1, offerId: OFFER, quantity: 2, termDuration: "p1y" },
        { lineItemNumber: 0, offerId: "MS-AZR-0145P", quantity: 1 },
      ],
    });
    const content = createContentFromRemote(order);
    if (typeof content === "string") throw new Error(content);
    expect(content.billingCycle).toBe("one_time");
    expect(content.lineItems.map((i) => [i.lineItemNumber, i.offerId, i.termDuration])).toEqual([
      [0, "MS-AZR-0145P", undefined],
      [1, OFFER, "P1Y"],
    ]);
    expect(matchesRemote(content, order)).toBe(true);
  });

  it.each([
    [{ lineItems: [] }, "the order has no line items"],
    [
      { lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity: 0 }] },
      "quantity 0 of line item 0 is outside 1..100000",
    ],
    [
      { lineItems: [{ lineItemNumber: 0, offerId: "not an offer", quantity: 1 }] },
      'offer id "not an offer" cannot be declared',
    ],
    [
      { lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity: 1, termDuration: "P5Y" }] },
      'term "P5Y" cannot be declared',
    ],
  ] as [Partial<RemoteOrder>, string][])("refuses %j: %s", (overrides, reason) => {
    expect(createContentFromRemote(remote("o", overrides))).toBe(reason);
  });
});
