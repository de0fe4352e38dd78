import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";

// The product compiles its schemas with validateSchema: false (no meta-schema compilation on
// every run); this is where their validity against the JSON Schema 2020-12 meta-schema is checked.
const ROOT = path.resolve(import.meta.dirname, "../../../schemas");
const files = readdirSync(ROOT, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("shipped JSON Schemas", () => {
  it("are all found", () => {
    expect(files).toEqual(expect.arrayContaining(["order.schema.json", "state.schema.json"]));
    expect(files.some((f) => f.startsWith("partner-center"))).toBe(true);
  });

  it.each(files)("%s is valid against the 2020-12 meta-schema", (file) => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as object;
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
  });

  it("rejects a schema that breaks the meta-schema (the check can fail)", () => {
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validateSchema({ type: "not-a-type" })).toBe(false);
  });
});
