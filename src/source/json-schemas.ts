/**
 * The project's JSON Schemas for order and config files, compiled ahead of time by
 * scripts/generate-validators.mjs (ajv standalone code, with the options ajv used here at run
 * time: strict, allErrors, verbose). Importing ajv and compiling at start-up cost ~45 ms of every
 * command (docs/performance.md). The compiled module is itself imported on first need (~7 ms): a command on a
 * project with no config file and no order files, or `--version`, never loads it.
 */
import type { GeneratedValidator } from "../generated/manifest-validators.js";

export type SchemaName = "order" | "config";

export type SchemaValidator = GeneratedValidator;

let validators: Record<SchemaName, SchemaValidator> | undefined;

/** Loads the compiled validators; await it before loadSchemaValidator. */
export async function prepareSchemaValidators(): Promise<void> {
  if (validators !== undefined) return;
  const { config, order } = await import("../generated/manifest-validators.js");
  validators = { order, config };
}

export function loadSchemaValidator(name: SchemaName): SchemaValidator {
  if (validators === undefined) throw new Error("bug: prepareSchemaValidators() was not awaited");
  return validators[name];
}
