import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareSchemaValidators } from "../../../src/source/json-schemas.js";
import { MAX_LINE_ITEMS, MAX_QUANTITY } from "../../../src/manifests/order-rules.js";
import { parseOrderFile } from "../../../src/manifests/parse-order-file.js";
import { MAX_YAML_DEPTH } from "../../../src/source/yaml-guards.js";
import { parseYamlSource } from "../../../src/source/yaml-source.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");

beforeAll(prepareSchemaValidators);

function createOrder(quantity: string): string {
  return [
    "name: a/b",
    "customer: b0d70a69-4c42-4b27-b17b-91a835d8686a",
    "billingCycle: monthly",
    "lineItems:",
    "  - offerId: CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
    `    quantity: ${quantity}`,
    "",
  ].join("\n");
}

describe("quantity and line item bounds", () => {
  it("match the order schema", () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, "schemas/order.schema.json"), "utf8")) as {
      properties: { lineItems: { maxItems: number } };
      $defs: {
        lineItem: { properties: { quantity: { maximum: number }; lineItemNumber: { maximum: number } } };
      };
    };
    expect(schema.$defs.lineItem.properties.quantity.maximum).toBe(MAX_QUANTITY);
    expect(schema.properties.lineItems.maxItems).toBe(MAX_LINE_ITEMS);
    expect(schema.$defs.lineItem.properties.lineItemNumber.maximum).toBe(MAX_LINE_ITEMS - 1);
  });

  it.each([["1"], ["007"], [String(MAX_QUANTITY)]])("accepts quantity %s", (quantity) => {
    const result = parseOrderFile(createOrder(quantity), "x.yaml");
    expect(result.diagnostics).toEqual([]);
    expect(result.orders[0]?.lineItems[0]?.quantity).toBe(Number(quantity));
  });

  it.each([
    ["1e3", /written in digits, got 1e3/],
    ["1000.0", /written in digits, got 1000\.0/],
    ["0x3E8", /written in digits, got 0x3E8/],
    ["0o17", /written in digits, got 0o17/],
    ["+5", /written in digits, got \+5/],
    [String(MAX_QUANTITY + 1), /at most 100000, got integer 100001/],
    ["99999999999999999999", /at most 100000, got a number beyond the safe integers/],
    ["1e400", /positive integer, got number Infinity/],
  ])("refuses quantity %s at the value's position", (quantity, message) => {
    const result = parseOrderFile(createOrder(quantity), "x.yaml");
    expect(result.orders).toEqual([]);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["order.invalid-quantity", 6, 15],
    ]);
    expect(result.diagnostics[0]?.message).toMatch(message);
  });

  it("accepts 50 line items and refuses 51", () => {
    const items = (n: number): string =>
      Array.from({ length: n }, () => "  - offerId: CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P\n    quantity: 1\n").join(
        "",
      );
    const head = createOrder("1").split("lineItems:")[0] + "lineItems:\n";
    expect(parseOrderFile(head + items(MAX_LINE_ITEMS), "x.yaml").diagnostics).toEqual([]);
    const refused = parseOrderFile(head + items(MAX_LINE_ITEMS + 1), "x.yaml");
    expect(refused.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["order.too-many-line-items", 5, 3],
    ]);
  });
});

describe("findNonDigitNumber gives the number as written unless it is plain digits", () => {
  it.each([
    "1",
    "007",
    "123456789012345",
    "1e3",
    "1000.0",
    "0x3E8",
    "0o17",
    "+5",
    "-1",
    ".5",
    "1234567890123456789",
  ])("%s", (number) => {
    const text = `a:\n  b: ${number}\n`;
    const doc = parseYamlSource(text, "x.yaml").documents[0]!;
    const expected = /^[0-9]+$/.test(number) ? undefined : number;
    expect(doc.findNonDigitNumber(["a", "b"])).toBe(expected);
  });

  it("follows aliases and ignores strings and missing paths", () => {
    const doc = parseYamlSource("x: &q 1e3\ny: *q\nz: '1e3'\n", "x.yaml").documents[0]!;
    expect(doc.findNonDigitNumber(["y"])).toBe("1e3");
    expect(doc.findNonDigitNumber(["z"])).toBeUndefined();
    expect(doc.findNonDigitNumber(["nope", 0])).toBeUndefined();
  });
});

describe("undefined aliases", () => {
  it.each([
    ["an alias with no anchor", "a: 1\nb: *nope\n", 2, 4],
    ["an alias before its anchor", "a: *x\nb: &x 1\n", 1, 4],
    ["an alias inside a flow sequence", "a: [1, *y]\n", 1, 8],
    ["an alias as a key", "a: 1\n*k : 2\n", 2, 1],
  ])("%s is reported at its position", (_label, text, line, column) => {
    const result = parseYamlSource(text, "x.yaml");
    expect(result.documents).toEqual([]);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["yaml.undefined-alias", line, column],
    ]);
    expect(result.diagnostics[0]?.hint).toMatch(/define the anchor/);
  });

  it("uses the config prefix in config files", () => {
    const result = parseYamlSource("orders: *dir\n", "orderform.config.yaml", "config");
    expect(result.diagnostics.map((d) => d.code)).toEqual(["config.undefined-alias"]);
  });

  it("keeps aliases to anchors defined before them", () => {
    const result = parseYamlSource("a: &x [1]\nb: *x\nc: { d: &y 2, e: *y }\n", "x.yaml");
    expect(result.diagnostics).toEqual([]);
    expect(result.documents[0]?.value).toEqual({ a: [1], b: [1], c: { d: 2, e: 2 } });
  });
});

describe("nesting depth", () => {
  const blockMaps = (depth: number): string =>
    Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}a:`).join("\n") + " 1\n";

  it(`takes ${MAX_YAML_DEPTH} nested block mappings`, () => {
    const result = parseYamlSource(blockMaps(MAX_YAML_DEPTH), "x.yaml");
    expect(result.diagnostics).toEqual([]);
    let expected: unknown = 1;
    for (let i = 0; i < MAX_YAML_DEPTH; i += 1) expected = { a: expected };
    expect(result.documents[0]?.value).toStrictEqual(expected);
  });

  it(`refuses ${MAX_YAML_DEPTH + 1} levels`, () => {
    const text = blockMaps(MAX_YAML_DEPTH + 1);
    const result = parseYamlSource(text, "x.yaml");
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["yaml.too-deep", MAX_YAML_DEPTH + 1, MAX_YAML_DEPTH + 1],
    ]);
  });

  it("counts flow mappings", () => {
    const text = blockMaps(MAX_YAML_DEPTH).replace(/ 1\n$/, " {}\n");
    expect(parseYamlSource(text, "x.yaml").diagnostics.map((d) => d.code)).toEqual(["yaml.too-deep"]);
  });

  it.each([
    ["[", "a: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n", 1, 4 + MAX_YAML_DEPTH - 1],
    ["{", "a: " + "{a: ".repeat(10_000) + "}".repeat(10_000) + "\n", 1, 4 + 4 * (MAX_YAML_DEPTH - 1)],
    ["- ", "- ".repeat(10_000) + "x\n", 1, 2 * MAX_YAML_DEPTH + 1],
    ["unclosed [", "a: " + "[".repeat(100_000), 1, 4 + MAX_YAML_DEPTH - 1],
    ["block mappings", blockMaps(2_000), MAX_YAML_DEPTH + 1, MAX_YAML_DEPTH + 1],
  ])("10,000 levels of %s give yaml.too-deep, not a crash", (_label, text, line, column) => {
    const result = parseYamlSource(text, "x.yaml");
    expect(result.documents).toEqual([]);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["yaml.too-deep", line, column],
    ]);
  });
});
