import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDefaultConfig } from "../../../src/config/defaults.js";
import type { StateFile } from "../../../src/core/model.js";
import { checkCustomerFilter, checkCustomersInState } from "../../../src/core/customer-filter.js";
import {
  MAX_PARALLELISM,
  MIN_PARALLELISM,
  selectParallelism as parseParallelism,
} from "../../../src/operations/project.js";
import { createTokenProvider } from "../../../src/partner-center/auth.js";
import { describeSecretProblem } from "../../../src/partner-center/secret-value.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CONTOSO = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
const TAILSPIN = "f81d98dd-c2f4-499e-a194-5619e260344e";
const RECORDED = "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13";

function createState(customer: string): StateFile {
  return {
    version: 1,
    lineage: "l",
    serial: 1,
    orders: { "x/y": { customer } as StateFile["orders"][string] },
    pending: {},
    failures: {},
  };
}

describe("--parallelism", () => {
  const loaded = { config: createDefaultConfig(), filepath: null, rootDir: ROOT };

  it("has the config schema's bounds", () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, "schemas/config.schema.json"), "utf8")) as {
      properties: { parallelism: { minimum: number; maximum: number } };
    };
    expect([MIN_PARALLELISM, MAX_PARALLELISM]).toEqual([
      schema.properties.parallelism.minimum,
      schema.properties.parallelism.maximum,
    ]);
  });

  it.each([1, 10, MAX_PARALLELISM])("accepts %s", (n) => expect(parseParallelism(n, loaded)).toBe(n));

  it.each([0, MAX_PARALLELISM + 1, 1e9, 2.5])("refuses %s, naming the bounds", (n) => {
    expect(() => parseParallelism(n, loaded)).toThrow(
      expect.objectContaining({
        code: "cli.invalid-parallelism",
        message: expect.stringContaining("1 to 100"),
      }),
    );
  });
});

describe("checkCustomerFilter", () => {
  const orders = [{ customer: CONTOSO }, { customer: TAILSPIN }];

  it("accepts customers a declaration or a state record names, in any case", () => {
    expect(checkCustomerFilter([CONTOSO.toUpperCase(), RECORDED], orders, createState(RECORDED))).toEqual([]);
    expect(checkCustomerFilter([], orders, null)).toEqual([]);
  });

  it("refuses a value that is no GUID", () => {
    const [d] = checkCustomerFilter(["contoso"], orders, null);
    expect(d).toMatchObject({ code: "cli.invalid-customer", severity: "error" });
    expect(d?.message).toContain('"contoso"');
  });

  it("suggests the nearest known customer for a typo", () => {
    const typo = `${CONTOSO.slice(0, -1)}c`;
    const [d] = checkCustomerFilter([typo], orders, null);
    expect(d).toMatchObject({ code: "cli.unknown-customer", hint: `did you mean ${CONTOSO}?` });
  });

  it("lists a few known customers otherwise", () => {
    const many = Array.from({ length: 8 }, (_, i) => ({
      customer: `0000000${i}-0000-4000-8000-000000000000`,
    }));
    const [d] = checkCustomerFilter(["99999999-9999-4999-8999-999999999999"], many, null);
    expect(d?.hint).toBe(
      `known customers: ${many
        .slice(0, 5)
        .map((o) => o.customer)
        .join(", ")} and 3 more`,
    );
  });

  it("says so when nothing is known", () => {
    const [d] = checkCustomerFilter([CONTOSO], [], null);
    expect(d?.hint).toMatch(/no order is declared or recorded/);
  });

  it("checkCustomersInState ignores declarations", () => {
    expect(checkCustomersInState([RECORDED], createState(RECORDED))).toBe(true);
    expect(checkCustomersInState([CONTOSO], createState(RECORDED))).toBe(false);
    expect(checkCustomersInState([], null)).toBe(true);
  });
});

describe("secrets with whitespace or control characters", () => {
  it.each([
    ["s3cret\r\n", /ends with \\r\\n: a file saved with Windows line endings\?/],
    ["s3cret\n", /ends with a line feed/],
    ["s3cret\r", /ends with a carriage return/],
    [" s3cret", /starts with whitespace/],
    ["s3cret\t", /ends with whitespace/],
    ["s3c\x07ret", /a control character \(U\+0007\) after its first 3 characters/],
    ["s3c ret", /whitespace \(U\+0020\)/],
    ["s3c\u00a0ret", /whitespace \(U\+00A0\)/],
  ])("%j is described", (value, expected) => {
    expect(describeSecretProblem(value)).toMatch(expected);
  });

  it.each(["s3cret", "a~b.c_d-e", "eyJ0eXAi.eyJhdWQi.c2ln"])("%s is fine", (value) => {
    expect(describeSecretProblem(value)).toBeUndefined();
  });

  it.each([
    { mode: "app" as const, clientSecretEnv: "PC_SECRET" },
    { mode: "app+user" as const, refreshTokenEnv: "PC_SECRET" },
    { mode: "token" as const, tokenEnv: "PC_SECRET" },
  ])("mode $mode refuses it without showing the value", (auth) => {
    const secret = "very-secret-value\r\n";
    let error: unknown;
    try {
      createTokenProvider({ tenantId: "t", clientId: "c", ...auth }, { PC_SECRET: secret });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "auth.malformed-secret" });
    const { message, hint } = error as { message: string; hint: string };
    expect(message).toContain("the value of PC_SECRET");
    expect(`${message} ${hint}`).not.toContain("very-secret");
  });
});
