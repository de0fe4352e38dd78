import { beforeAll, describe, expect, it } from "vitest";
import { prepareSchemaValidators } from "../../../src/source/json-schemas.js";
import { parseOrderFile } from "../../../src/manifests/parse-order-file.js";
import { parseYamlSource } from "../../../src/source/yaml-source.js";

const VALID = `name: a/b
customer: b0d70a69-4c42-4b27-b17b-91a835d8686a
billingCycle: monthly
lineItems:
  - offerId: CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P
    quantity: 1
`;

beforeAll(prepareSchemaValidators);

describe("loader safety", () => {
  it.each([
    ["top-level __proto__", `${VALID}__proto__: { polluted: true }\n`],
    ["top-level constructor", `${VALID}constructor: { prototype: { polluted: true } }\n`],
    ["line item __proto__", `${VALID}    __proto__: { polluted: true }\n`],
    ["provisioningContext __proto__", `${VALID}    provisioningContext: { __proto__: { polluted: true } }\n`],
    ["quoted __proto__", `${VALID}"__proto__": { "polluted": true }\n`],
  ])("%s cannot pollute Object.prototype and is reported", (_label, text) => {
    const result = parseOrderFile(text, "x.yaml");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(result.orders).toEqual([]);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    for (const d of result.diagnostics) {
      expect(d.code).toMatch(/^order\.(unknown-key|invalid-provisioning-context)$/);
    }
  });

  it("keeps __proto__ as an own data property when converting, never as a prototype", () => {
    const { documents } = parseYamlSource("__proto__: { polluted: true }\n", "x.yaml");
    const value = documents[0]?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("rejects alias expansion beyond the bound (billion laughs) without expanding it", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 12; i += 1) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const result = parseYamlSource(`${levels.join("\n")}\n`, "laughs.yaml");
    expect(result.documents).toEqual([]);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["yaml.alias-limit", 1, 1]]);
  });

  it("allows a few aliases within the bound", () => {
    const result = parseYamlSource("ids: &ids ['1', '2']\nagain: *ids\n", "x.yaml");
    expect(result.diagnostics).toEqual([]);
    expect(result.documents[0]?.value).toEqual({ ids: ["1", "2"], again: ["1", "2"] });
  });

  it.each([
    ["!!js/function", "quantity: !!js/function 'function () {}'\n"],
    ["a local tag", "quantity: !custom 5\n"],
  ])("refuses %s instead of turning it into a string", (_label, text) => {
    const result = parseYamlSource(text, "x.yaml");
    expect(result.documents).toEqual([]);
    expect(result.diagnostics.map((d) => d.code)).toContain("yaml.unsupported-tag");
  });

  it("does not apply YAML 1.1 merge keys or boolean words", () => {
    const result = parseYamlSource("base: &b { x: 1 }\nm: { <<: *b }\nflag: yes\n", "x.yaml");
    expect(result.documents[0]?.value).toEqual({ base: { x: 1 }, m: { "<<": { x: 1 } }, flag: "yes" });
  });
});
