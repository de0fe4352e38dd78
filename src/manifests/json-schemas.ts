/**
 * The project's JSON Schemas for order and config files, compiled ahead of time by
 * scripts/generate-validators.mjs (ajv standalone code, with the options ajv used here at run
 * time: strict, allErrors, verbose). Importing ajv and compiling at start-up cost ~45 ms of every
 * command (issue 7).
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import { config, order } from "../generated/manifest-validators.js";

export type SchemaName = "order" | "config";

export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators: Record<SchemaName, SchemaValidator> = { order, config };

export function loadSchemaValidator(name: SchemaName): SchemaValidator {
  return validators[name];
}
