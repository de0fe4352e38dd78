import { describe, expect, it } from "vitest";
import { compareOrders } from "../../../src/manifests/normalize-order.js";
import {
  normalizeBillingCycle,
  normalizeRenewalTermDuration,
  normalizeTermDuration,
} from "../../../src/core/order-terms.js";
import { parseInstancePath, renderDataPath } from "../../../src/source/schema-diagnostics.js";
import { measureEditDistance, suggestNearest } from "../../../src/core/suggest.js";
import { createGlobMatcher } from "../../../src/manifests/discover.js";

describe("normalizeBillingCycle", () => {
  it.each([
    ["monthly", "monthly"],
    ["Monthly", "monthly"],
    ["ANNUAL", "annual"],
    ["Triennial", "triennial"],
    ["one_time", "one_time"],
    ["OneTime", "one_time"],
    ["onetime", "one_time"],
    ["ONE_TIME", "one_time"],
    ["None", "none"],
    ["weekly", null],
    ["one-time", null],
    ["", null],
  ])("%j -> %j", (input, expected) => {
    expect(normalizeBillingCycle(input)).toBe(expected);
  });
});

describe("term durations", () => {
  it.each([
    ["P1M", "P1M", "P1M"],
    ["p1y", "P1Y", "P1Y"],
    ["P3Y", "P3Y", null],
    ["P2Y", null, null],
    ["1Y", null, null],
  ])("%j -> term %j, renewal %j", (input, term, renewal) => {
    expect(normalizeTermDuration(input)).toBe(term);
    expect(normalizeRenewalTermDuration(input)).toBe(renewal);
  });
});

describe("compareOrders", () => {
  it("sorts by customer, then by name, by code unit", () => {
    const make = (customer: string, name: string) => ({
      customer,
      name,
      billingCycle: "monthly" as const,
      lineItems: [],
    });
    const sorted = [make("b", "x"), make("a", "z"), make("a", "Z"), make("a", "y")].sort(compareOrders);
    expect(sorted.map((o) => `${o.customer}/${o.name}`)).toEqual(["a/Z", "a/y", "a/z", "b/x"]);
  });
});

describe("suggestNearest", () => {
  const keys = ["name", "customer", "billingCycle", "partnerOnRecordAttestationAccepted", "lineItems"];
  it.each([
    ["BillingCycle", "billingCycle"],
    ["billingCylce", "billingCycle"],
    ["billing_cycle", "billingCycle"],
    ["custmer", "customer"],
    ["lineitems", "lineItems"],
    ["line_items", "lineItems"],
    ["nmae", "name"],
    ["offerId", undefined],
    ["zzzz", undefined],
  ])("%j -> %j", (input, expected) => {
    expect(suggestNearest(input, keys)).toBe(expected);
  });

  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["abc", "acb", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("distance(%j, %j) = %d", (a, b, d) => {
    expect(measureEditDistance(a, b)).toBe(d);
  });
});

describe("instance paths", () => {
  it.each([
    ["", [], "(document)"],
    ["/name", ["name"], "name"],
    ["/lineItems/0/quantity", ["lineItems", 0, "quantity"], "lineItems[0].quantity"],
    [
      "/lineItems/12/renewsTo/termDuration",
      ["lineItems", 12, "renewsTo", "termDuration"],
      "lineItems[12].renewsTo.termDuration",
    ],
    ["/a~1b/c~0d", ["a/b", "c~d"], "a/b.c~d"],
    ["/01", ["01"], "01"],
  ])("%j", (pointer, path, rendered) => {
    expect(parseInstancePath(pointer)).toEqual(path);
    expect(renderDataPath(path)).toBe(rendered);
  });
});

describe("createGlobMatcher", () => {
  it.each([
    ["*.yaml", "a.yaml", true],
    ["*.yaml", "dir/a.yaml", false],
    ["**/*.yaml", "a.yaml", true],
    ["**/*.yaml", "x/y/a.yaml", true],
    ["**/*.{yaml,yml}", "x/a.yml", true],
    ["**/*.{yaml,yml}", "x/a.json", false],
    ["contoso/*.yaml", "contoso/a.yaml", true],
    ["contoso/*.yaml", "fabrikam/a.yaml", false],
    ["order-?.yaml", "order-1.yaml", true],
    ["order-?.yaml", "order-10.yaml", false],
    ["[ab]*.yaml", "b1.yaml", true],
    ["[!ab]*.yaml", "b1.yaml", false],
    ["a.b.yaml", "aXb.yaml", false],
  ])("%j matches %j: %s", (glob, file, expected) => {
    expect(createGlobMatcher(glob).test(file)).toBe(expected);
  });
});
