import { describe, expect, it } from "vitest";
import { parseYamlSource } from "../../../src/source/yaml-source.js";

const ORDER_FILE = `
name: c1/order-0
customer: 00000001-bbbb-4ccc-8ddd-000000000000
billingCycle: monthly
partnerOnRecordAttestationAccepted: true
lineItems:
  - offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P"
    quantity: 3
    termDuration: P1M
    attestationAccepted: true
`;

describe("parseYamlSource positions", () => {
  const source = parseYamlSource(ORDER_FILE, "f.yaml", "yaml");
  const doc = source.documents[0]!;

  it("starts at the first content node", () => {
    expect(source.diagnostics).toEqual([]);
    expect(doc.start).toEqual({ line: 2, column: 1 });
  });

  it("locates values and keys, and falls back to the nearest existing ancestor", () => {
    expect(doc.locate(["lineItems", 0, "quantity"])).toEqual({
      position: { line: 8, column: 15 },
      sourceLine: "    quantity: 3",
    });
    expect(doc.locate(["lineItems", 0, "quantity"], "key").position).toEqual({ line: 8, column: 5 });
    expect(doc.locate(["name"]).position).toEqual({ line: 2, column: 7 });
    expect(doc.locate(["lineItems", 0, "nope"]).position).toEqual({ line: 7, column: 5 });
    expect(doc.locate([]).position).toEqual(doc.start);
  });

  it("gives config files the same positions", () => {
    const config = parseYamlSource(ORDER_FILE, "f.yaml", "config").documents[0]!;
    expect(config.value).toStrictEqual(doc.value);
    expect(config.locate(["lineItems", 0, "quantity"])).toEqual(doc.locate(["lineItems", 0, "quantity"]));
  });
});
