/**
 * The project's JSON Schemas, compiled by ajv once per process and only when first needed, so
 * that commands which never validate (e.g. `--version`) do not pay for compilation.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import type * as AjvModule from "ajv/dist/2020.js";

export type SchemaName = "order" | "config";

export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let ajv: Ajv2020 | undefined;
const validators = new Map<SchemaName, ValidateFunction>();

/** Reads schemas/<name>.schema.json (next to dist/ and src/ alike) and compiles it on first use. */
export function loadSchemaValidator(name: SchemaName): SchemaValidator {
  const cached = validators.get(name);
  if (cached !== undefined) return cached;
  // strict: unknown keywords and ambiguous types are schema bugs; verbose: errors carry their
  // parent schema, whose property names feed the "did you mean" hints.
  ajv ??= createAjv();
  const schema = JSON.parse(
    readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), "utf8"),
  ) as object;
  const validate = ajv.compile(schema);
  validators.set(name, validate);
  return validate;
}

/**
 * ajv is required on first use, not imported: evaluating its modules costs about 100 ms, which
 * would triple the start-up of commands that validate nothing (issue 7, start-up benchmark).
 * ajv is CommonJS, so a synchronous require keeps this function synchronous.
 */
function createAjv(): Ajv2020 {
  const require = createRequire(import.meta.url);
  const { Ajv2020: AjvClass } = require("ajv/dist/2020.js") as typeof AjvModule;
  // validateSchema: false: test/unit/schemas/meta.test.ts checks the shipped schemas against the
  // meta-schema, so each run need not compile it (issue 7).
  return new AjvClass({ strict: true, allErrors: true, verbose: true, validateSchema: false });
}
