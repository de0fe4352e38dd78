/**
 * src/core/intern.ts: sharing repeated strings changes no value. Which copy of a string a value
 * holds cannot be seen from JavaScript, so these tests check what can: the same object comes back,
 * every value and key is as it was (against a structuredClone taken before), and no key is added,
 * dropped or reordered.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createStringPool,
  internRemoteLists,
  internStrings,
  REPEATED_KEYS,
} from "../../../src/core/intern.js";
import type { RemoteLineItem, RemoteOrder, RemoteSubscription } from "../../../src/core/model.js";
import { CONTOSO, FABRIKAM, OFFER } from "./builders.js";

/**
 * Strings an estate repeats, so that most draws hit the pool, near misses of them (case, spaces),
 * and any other string, lone surrogates included.
 */
const arbText = fc.oneof(
  fc.constantFrom(CONTOSO, CONTOSO.toUpperCase(), OFFER, "monthly", "Monthly", " monthly", "P1M", ""),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);

/** Keys as JSON.parse makes them, "__proto__" (an own property there) and "constructor" included. */
const arbKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "customer", "offerId", ""),
  fc.string({ maxLength: 6 }),
);

/** JSON text of any shape; parsed, it is what internStrings is given (state files, order files). */
const { text: arbJsonText } = fc.letrec<{ text: string; leaf: string; array: string; object: string }>(
  (tie) => ({
    text: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("array"), tie("object")),
    leaf: fc.oneof(
      arbText.map((s) => JSON.stringify(s)),
      fc.constantFrom("null", "true", "false", "0", "-1.5", "1e21"),
    ),
    array: fc.array(tie("text"), { maxLength: 5 }).map((items) => `[${items.join(",")}]`),
    object: fc
      .array(fc.tuple(arbKey, tie("text")), { maxLength: 5 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  }),
);
const arbParsed = arbJsonText.map((text) => JSON.parse(text) as unknown);

/**
 * `value` equals `before` strictly: same prototypes, own keys and values (Object.is). Not
 * toStrictEqual, whose type check reads a `constructor` key as the class, and such keys are drawn.
 */
function expectUnchanged(value: unknown, before: unknown): void {
  expect(value).toEqual(before);
  expect(isDeepStrictEqual(value, before)).toBe(true);
}

/** Every object's own keys in order, by path: what interning must leave as it is. */
function listKeys(value: unknown, path = "$", out: [string, string[]][] = []): [string, string[]][] {
  if (value === null || typeof value !== "object") return out;
  const keys = Object.keys(value);
  out.push([path, keys]);
  for (const key of keys) listKeys((value as Record<string, unknown>)[key], `${path}/${key}`, out);
  return out;
}

describe("internStrings", () => {
  it("returns the value it was given, unchanged: deep-equal to a clone taken before", () => {
    fc.assert(
      fc.property(arbParsed, (value) => {
        const before = structuredClone(value);
        expect(internStrings(value)).toBe(value);
        expectUnchanged(value, before);
      }),
      { numRuns: 500 },
    );
  });

  it("leaves every key as it was: none added, dropped or reordered, __proto__ an own key still", () => {
    fc.assert(
      fc.property(arbParsed, (value) => {
        const keys = listKeys(value);
        internStrings(value);
        expect(listKeys(value)).toEqual(keys);
      }),
      { numRuns: 500 },
    );
  });

  it("with one pool across values, each is still equal to its clone", () => {
    fc.assert(
      fc.property(fc.array(arbParsed, { maxLength: 4 }), (values) => {
        const before = structuredClone(values);
        const pool = createStringPool();
        for (const value of values) expect(internStrings(value, pool)).toBe(value);
        expectUnchanged(values, before);
      }),
      { numRuns: 300 },
    );
  });

  it("a pool answers each text with an equal string", () => {
    fc.assert(
      fc.property(fc.array(arbText), (texts) => {
        const pool = createStringPool();
        expect(texts.map(pool)).toEqual(texts);
        expect(texts.map(pool)).toEqual(texts);
      }),
    );
  });

  it("keeps an own __proto__ key a plain value, never the object's prototype", () => {
    const value = JSON.parse(`{"__proto__": "${CONTOSO}", "list": [{"__proto__": {"a": "P1M"}}]}`) as {
      list: object[];
    };
    internStrings(value);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toBe(CONTOSO);
    expect(Object.getPrototypeOf(value.list[0])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value.list[0], "__proto__")?.value).toEqual({ a: "P1M" });
  });
});

function buildOrder(id: string, customer: string, lineItems: RemoteOrder["lineItems"]): RemoteOrder {
  return {
    id,
    customer,
    billingCycle: "monthly",
    status: "completed",
    creationDate: "2025-02-01T10:00:00Z",
    lineItems,
  };
}

/** A line item with every optional field; a new object each time, as each list has its own. */
function buildFullItem(lineItemNumber = 0): RemoteLineItem {
  return {
    lineItemNumber,
    offerId: OFFER,
    quantity: 3,
    termDuration: "P1M",
    subscriptionId: `5d0e9c7a-0000-4000-8000-00000000000${lineItemNumber}`,
    friendlyName: "Seats",
    partnerIdOnRecord: "1234567",
  };
}

function buildBareItem(lineItemNumber = 1): RemoteLineItem {
  return { lineItemNumber, offerId: OFFER, quantity: 1 };
}

describe("internRemoteLists", () => {
  it.each<[string, string, RemoteOrder[], RemoteSubscription[] | undefined]>([
    [
      "orders with every optional field, subscriptions naming them",
      CONTOSO,
      [
        buildOrder("o-1", CONTOSO, [buildFullItem(), buildBareItem()]),
        buildOrder("o-2", CONTOSO, [buildFullItem()]),
      ],
      [
        { id: "s-1", quantity: 3, status: "active", orderId: "o-1", offerId: OFFER },
        {
          id: "s-2",
          quantity: 1,
          status: "active",
          orderId: "o-2",
          cancellationAllowedUntilDate: "2025-02-08",
        },
        { id: "s-3", quantity: 1, status: "active", orderId: "o-1" },
      ],
    ],
    [
      "line items without the optional fields gain none",
      CONTOSO,
      [buildOrder("o-1", CONTOSO, [buildBareItem()])],
      [],
    ],
    [
      "an order whose customer is spelled otherwise keeps its spelling",
      CONTOSO,
      [
        buildOrder("o-1", CONTOSO.toUpperCase(), [buildBareItem()]),
        buildOrder("o-2", FABRIKAM, [buildBareItem()]),
      ],
      undefined,
    ],
    [
      "subscriptions naming no listed order, or none",
      FABRIKAM,
      [buildOrder("o-1", FABRIKAM, [buildBareItem()])],
      [
        { id: "s-1", quantity: 2, status: "suspended", orderId: "o-gone" },
        { id: "s-2", quantity: 2, status: "active" },
      ],
    ],
    ["no orders, no subscriptions listed", FABRIKAM, [], undefined],
  ])("%s: every value as it was", (_, customer, orders, subscriptions) => {
    const before = structuredClone({ orders, subscriptions });
    const keys = listKeys({ orders, subscriptions });
    internRemoteLists(customer, orders, subscriptions, createStringPool());
    expectUnchanged({ orders, subscriptions }, before);
    expect(listKeys({ orders, subscriptions })).toEqual(keys);
    // A subscription still names its order by the same id.
    for (const subscription of subscriptions ?? []) {
      const named = orders.filter((o) => o.id === subscription.orderId).map((o) => o.id);
      const namedBefore = before.orders.filter((o) => o.id === subscription.orderId).map((o) => o.id);
      expect(named).toEqual(namedBefore);
    }
  });

  it("one pool for every customer of a run leaves each customer's lists as they were", () => {
    const pool = createStringPool();
    const lists = [
      { customer: CONTOSO, orders: [buildOrder("o-1", CONTOSO, [buildFullItem()])] },
      { customer: FABRIKAM, orders: [buildOrder("o-2", FABRIKAM, [buildFullItem(), buildBareItem()])] },
      { customer: CONTOSO, orders: [buildOrder("o-3", CONTOSO.toUpperCase(), [buildBareItem()])] },
    ];
    const before = structuredClone(lists);
    for (const { customer, orders } of lists) {
      const subscriptions = orders.map((o) => ({
        id: `s-${o.id}`,
        quantity: 1,
        status: "active",
        orderId: o.id,
      }));
      internRemoteLists(customer, orders, subscriptions, pool);
      expect(subscriptions.map((s) => s.orderId)).toEqual(orders.map((o) => o.id));
    }
    expectUnchanged(lists, before);
    expect(lists.map((l) => l.orders[0]?.customer)).toEqual([CONTOSO, FABRIKAM, CONTOSO.toUpperCase()]);
  });
});

describe("internStrings, deep and keyed", () => {
  it("walks nesting deeper than the call stack", () => {
    const depth = 100_000;
    const parsed: unknown = JSON.parse(`${"[".repeat(depth)}"deep"${"]".repeat(depth)}`);
    let inner: unknown = internStrings(parsed);
    for (let i = 0; i < depth; i += 1) inner = (inner as unknown[])[0];
    expect(inner).toBe("deep");
  });

  it("leaves every parsed JSON value equal to what it was when only REPEATED_KEYS are shared", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const parsed: unknown = JSON.parse(text);
        expect(JSON.stringify(internStrings(parsed, createStringPool(), REPEATED_KEYS))).toBe(text);
      }),
    );
  });
});
