import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCanonicalJson, createFingerprint, createSha256Hex } from "../../../src/core/canonical.js";
import {
  contentOf,
  diffContent,
  diffContentFully,
  diffRemoteLineItems,
  isSameAsDeclared,
  isSameContent,
  matchesRemote,
  parseTimestampMs,
} from "../../../src/core/compare.js";
import type { DesiredOrder, OrderContent } from "../../../src/core/model.js";
import { CONTOSO, OFFER, buildDesired, buildRemote } from "./builders.js";

const base = (): OrderContent => contentOf(buildDesired("contoso/seats"));

describe("contentOf", () => {
  it("drops name and source and keeps the purchase fields in YAML order", () => {
    const content = contentOf(
      buildDesired("contoso/seats", { source: { file: "x.yaml", line: 3, column: 1 } }),
    );
    expect(Object.keys(content)).toEqual([
      "customer",
      "billingCycle",
      "partnerOnRecordAttestationAccepted",
      "lineItems",
    ]);
    expect(Object.keys(content.lineItems[0] ?? {})).toEqual([
      "lineItemNumber",
      "offerId",
      "quantity",
      "termDuration",
      "friendlyName",
    ]);
    expect(content).not.toHaveProperty("name");
    expect(content).not.toHaveProperty("source");
  });

  it("copies: changing the content does not change the declaration", () => {
    const desired = buildDesired("contoso/seats");
    const content = contentOf(desired);
    (content.lineItems[0] as { quantity: number }).quantity = 99;
    expect(desired.lineItems[0]?.quantity).toBe(25);
  });
});

describe("diffContent", () => {
  const cases: {
    name: string;
    edit: (c: OrderContent) => void;
    expected: { path: string; before: unknown; after: unknown }[];
  }[] = [
    { name: "identical", edit: () => {}, expected: [] },
    {
      name: "quantity",
      edit: (c) => ((c.lineItems[0] as { quantity: number }).quantity = 30),
      expected: [{ path: "lineItems[0].quantity", before: 25, after: 30 }],
    },
    {
      name: "offer id case only is not a difference",
      edit: (c) => ((c.lineItems[0] as { offerId: string }).offerId = OFFER.toLowerCase()),
      expected: [],
    },
    {
      name: "customer case only is not a difference",
      edit: (c) => (c.customer = CONTOSO.toUpperCase()),
      expected: [],
    },
    {
      name: "billing cycle",
      edit: (c) => (c.billingCycle = "annual"),
      expected: [{ path: "billingCycle", before: "monthly", after: "annual" }],
    },
    {
      name: "field removed shows null",
      edit: (c) => delete (c.lineItems[0] as { friendlyName?: string }).friendlyName,
      expected: [{ path: "lineItems[0].friendlyName", before: "Seats", after: null }],
    },
    {
      name: "nested object field",
      edit: (c) => ((c.lineItems[0] as { renewsTo?: object }).renewsTo = { termDuration: "P1Y" }),
      expected: [{ path: "lineItems[0].renewsTo", before: null, after: { termDuration: "P1Y" } }],
    },
    {
      name: "scalar arrays compare whole",
      edit: (c) =>
        ((c.lineItems[0] as { additionalPartnerIdsOnRecord?: string[] }).additionalPartnerIdsOnRecord = [
          "1",
        ]),
      expected: [{ path: "lineItems[0].additionalPartnerIdsOnRecord", before: null, after: ["1"] }],
    },
    {
      name: "line item added",
      edit: (c) => c.lineItems.push({ lineItemNumber: 1, offerId: "X", quantity: 1 }),
      expected: [
        { path: "lineItems[1]", before: null, after: { lineItemNumber: 1, offerId: "X", quantity: 1 } },
      ],
    },
    {
      name: "several fields, in YAML order",
      edit: (c) => {
        c.billingCycle = "annual";
        (c.lineItems[0] as { termDuration?: string }).termDuration = "P1Y";
        (c.lineItems[0] as { quantity: number }).quantity = 1;
      },
      expected: [
        { path: "billingCycle", before: "monthly", after: "annual" },
        { path: "lineItems[0].quantity", before: 25, after: 1 },
        { path: "lineItems[0].termDuration", before: "P1M", after: "P1Y" },
      ],
    },
  ];
  it.each(cases)("$name", ({ edit, expected }) => {
    const after = base();
    edit(after);
    expect(diffContent(base(), after)).toEqual(expected);
  });
});

describe("diffContent's equal-content shortcut", () => {
  // Values shaped like order content, plus what diffValue treats specially: undefined members,
  // arrays within arrays, NaN, case-only string differences, keys in another order.
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom("a", "A", "p1m", "P1M", "", undefined, null, 0, 1, -0, Number.NaN, true, false),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom("customer", "offerId", "quantity", "lineItems", "x", "y"), tie("value"), {
        maxKeys: 4,
      }),
    ),
  }));
  const content = fc.dictionary(
    fc.constantFrom("customer", "billingCycle", "lineItems", "x"),
    value,
  ) as fc.Arbitrary<unknown> as fc.Arbitrary<OrderContent>;
  // A copy with its keys reversed, and with its strings upper-cased when `upper` (case-only edits).
  const reorder = (v: unknown, upper: boolean): unknown => {
    if (typeof v === "string") return upper ? v.toUpperCase() : v;
    if (Array.isArray(v)) return v.map((x) => reorder(x, upper));
    if (typeof v !== "object" || v === null) return v;
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reorder(x, upper)]),
    );
  };

  it("gives the full diff's answer for equal, reordered, case-changed and unrelated content", () => {
    fc.assert(
      fc.property(content, content, fc.constantFrom("copy", "upper", "other"), (a, b, how) => {
        const other = (how === "other" ? b : reorder(a, how === "upper")) as OrderContent;
        const full = diffContentFully(a, other);
        expect(diffContent(a, other)).toEqual(full);
        if (isSameContent(a, other)) expect(full).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it("isSameAsDeclared answers as isSameContent with the declaration's content", () => {
    const asDeclared = (v: OrderContent, lineItems: unknown[]): DesiredOrder =>
      ({ ...v, lineItems, name: "n", source: { file: "f.yaml", line: 1, column: 1 } }) as DesiredOrder;
    fc.assert(
      fc.property(
        content,
        content,
        fc.array(value, { maxLength: 3 }),
        fc.constantFrom("copy", "upper", "other"),
        (a, b, items, how) => {
          const from = (how === "other" ? b : reorder(a, how === "upper")) as OrderContent;
          const lineItems = Array.isArray(from.lineItems) ? (from.lineItems as unknown[]) : items;
          const declared = asDeclared(from, lineItems);
          expect(isSameAsDeclared(a, declared)).toBe(isSameContent(a, contentOf(declared)));
        },
      ),
      { numRuns: 3000 },
    );
    const a = base();
    expect(isSameAsDeclared(a, buildDesired("contoso/seats"))).toBe(true);
    expect(isSameAsDeclared({ ...a, quantity: 2 } as OrderContent, buildDesired("contoso/seats"))).toBe(
      false,
    );
  });

  it("takes the shortcut for a copy and not for a case-only or nested difference", () => {
    const a = base();
    expect(isSameContent(a, structuredClone(a))).toBe(true);
    expect(isSameContent(a, { ...a, customer: a.customer.toUpperCase() })).toBe(false);
    expect(diffContent(a, { ...a, customer: a.customer.toUpperCase() })).toEqual([]);
    expect(isSameContent({ x: [[1]] }, { x: [[1]] })).toBe(false); // left to the full diff
    expect(isSameContent({ x: 1, y: undefined }, { x: 1 })).toBe(true);
    expect(isSameContent({ x: 1 }, { x: 1, y: 2 })).toBe(false);
    expect(isSameContent({ x: Number.NaN }, { x: Number.NaN })).toBe(false);
  });
});

describe("matchesRemote", () => {
  const content = base();
  const cases: { name: string; remote: Parameters<typeof buildRemote>[2]; expected: boolean }[] = [
    { name: "same content", remote: {}, expected: true },
    { name: "billing cycle in PascalCase", remote: { billingCycle: "Monthly" }, expected: true },
    { name: "other billing cycle", remote: { billingCycle: "annual" }, expected: false },
    {
      name: "offer id in other case",
      remote: {
        lineItems: [{ lineItemNumber: 0, offerId: OFFER.toLowerCase(), quantity: 25, termDuration: "p1m" }],
      },
      expected: true,
    },
    {
      name: "other quantity",
      remote: { lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity: 24, termDuration: "P1M" }] },
      expected: false,
    },
    {
      name: "other term",
      remote: { lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity: 25, termDuration: "P1Y" }] },
      expected: false,
    },
    {
      name: "extra line item",
      remote: {
        lineItems: [
          { lineItemNumber: 0, offerId: OFFER, quantity: 25, termDuration: "P1M" },
          { lineItemNumber: 1, offerId: OFFER, quantity: 1, termDuration: "P1M" },
        ],
      },
      expected: false,
    },
    { name: "other customer", remote: { customer: "00000000-0000-4000-8000-000000000009" }, expected: false },
  ];
  it.each(cases)("$name -> $expected", ({ remote, expected }) => {
    expect(matchesRemote(content, buildRemote("o1", content, remote))).toBe(expected);
  });
});

describe("diffRemoteLineItems", () => {
  it("reports offer and quantity changes and a changed count, before = applied", () => {
    const content = base();
    const remote = buildRemote("o1", content, {
      lineItems: [
        { lineItemNumber: 1, offerId: "OTHER", quantity: 1 },
        { lineItemNumber: 0, offerId: OFFER.toLowerCase(), quantity: 20 },
      ],
    });
    expect(diffRemoteLineItems(content, remote)).toEqual([
      { path: "lineItems.length", before: 1, after: 2 },
      { path: "lineItems[0].quantity", before: 25, after: 20 },
    ]);
  });
});

describe("parseTimestampMs", () => {
  const cases: [string, number | undefined][] = [
    ["1970-01-01T00:00:00Z", 0],
    ["2025-03-01T12:00:00Z", Date.parse("2025-03-01T12:00:00Z")],
    ["2019-04-02T20:36:29.2066666Z", Date.parse("2019-04-02T20:36:29.206Z")],
    ["2017-10-02T09:46:06.96-08:00", Date.parse("2017-10-02T17:46:06.960Z")],
    ["2024-02-29T23:59:59+05:30", Date.parse("2024-02-29T18:29:59Z")],
    ["1969-12-31T23:59:59.5Z", -500],
    ["2023-02-29T00:00:00Z", undefined],
    ["2025-13-01T00:00:00Z", undefined],
    ["2025-03-01T24:00:00Z", undefined],
    ["2025-03-01T12:00:00", undefined],
    ["2025-03-01", undefined],
    ["not a date", undefined],
  ];
  it.each(cases)("%s -> %s", (text, expected) => {
    expect(parseTimestampMs(text)).toBe(expected);
  });

  it("agrees with Date for every instant it is given in toISOString form", () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_000 }), (ms) => {
        expect(parseTimestampMs(new Date(ms).toISOString())).toBe(ms);
      }),
    );
  });
});

describe("canonical JSON and fingerprints", () => {
  it("sorts keys at every level and drops undefined members", () => {
    expect(createCanonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":null,"z":true}]},"b":1}',
    );
  });

  it("gives the same fingerprint for the same data in another key order", () => {
    expect(createFingerprint({ a: 1, b: [2] })).toBe(createFingerprint({ b: [2], a: 1 }));
    expect(createFingerprint({ a: 1 })).not.toBe(createFingerprint({ a: 2 }));
  });

  it("computes SHA-256 as node:crypto does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(createSha256Hex(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
      }),
    );
    expect(createSha256Hex(new Uint8Array())).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("refuses values JSON cannot hold", () => {
    expect(() => createCanonicalJson(Number.NaN)).toThrow();
    expect(() => createCanonicalJson(() => 1)).toThrow();
  });
});
