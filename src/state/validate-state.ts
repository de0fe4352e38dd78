/**
 * Validation of state snapshots and journal records against schemas/state.schema.json (ajv,
 * JSON Schema 2020-12), compiled once on first use so that commands that never touch state pay
 * nothing for it.
 */
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { ValidateFunction } from "ajv";
import type { StateFile } from "../core/model.js";
import { STATE_FORMAT_VERSION } from "../core/model.js";
import type { HistoryEntry, JournalEntry } from "./types.js";
import { createStateError } from "./errors.js";

const SCHEMA_URL = new URL("../../schemas/state.schema.json", import.meta.url);
const SCHEMA_ID = "https://orderform.dev/schemas/state.schema.json";

interface Validators {
  state: ValidateFunction;
  journalEntry: ValidateFunction;
  historyMeta: ValidateFunction;
}

let validators: Validators | undefined;

function loadValidators(): Validators {
  if (validators !== undefined) return validators;
  const schema = JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as object;
  // ajv ships CommonJS; under NodeNext the default import is module.exports, whose .default is the class.
  // validateSchema: false skips checking our own shipped schema against the JSON Schema
  // meta-schema on every run (compiling the meta-schema was a third of this function, on the
  // critical path of every plan: issue 7); test/unit/schemas/meta.test.ts checks it instead.
  const ajv = new Ajv2020.default({ allErrors: false, strict: true, validateSchema: false });
  addFormats.default(ajv, ["uuid"]);
  ajv.addSchema(schema);
  const get = (ref: string): ValidateFunction => {
    const fn = ajv.getSchema(ref);
    if (fn === undefined) throw new Error(`state schema has no ${ref}`);
    return fn;
  };
  validators = {
    state: get(SCHEMA_ID),
    journalEntry: get(`${SCHEMA_ID}#/$defs/journalEntry`),
    historyMeta: get(`${SCHEMA_ID}#/$defs/historyMeta`),
  };
  return validators;
}

function describeErrors(fn: ValidateFunction): string {
  const first = fn.errors?.[0];
  if (first === undefined) return "does not match the schema";
  return `${first.instancePath === "" ? "(root)" : first.instancePath} ${first.message ?? "is invalid"}`;
}

/**
 * Checks a parsed value and returns the problem, or null when it is a valid StateFile. The
 * version is checked first so that a newer format gets its own message rather than schema noise.
 */
export function findStateProblem(
  value: unknown,
): { code: "state.corrupt" | "state.unknown-version"; detail: string } | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { code: "state.corrupt", detail: "is not a JSON object" };
  }
  const version = (value as { version?: unknown }).version;
  if (version !== STATE_FORMAT_VERSION) {
    return {
      code: "state.unknown-version",
      detail: `has state format version ${JSON.stringify(version)}; this orderform reads version ${STATE_FORMAT_VERSION}`,
    };
  }
  const { state } = loadValidators();
  if (!state(value)) return { code: "state.corrupt", detail: describeErrors(state) };
  const file = value as StateFile;
  for (const [section, records] of [
    ["orders", file.orders],
    ["pending", file.pending],
    ["failures", file.failures],
  ] as const) {
    for (const [key, record] of Object.entries(records)) {
      if (record.name !== key)
        return {
          code: "state.corrupt",
          detail: `/${section}/${key} has name ${JSON.stringify(record.name)}`,
        };
    }
  }
  return null;
}

/** Parses and validates a snapshot; `file` is only used in messages. Throws state.corrupt / state.unknown-version. */
export function parseStateText(text: string, file: string, hint?: string): StateFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const detail = text.length === 0 ? "is empty" : `is not valid JSON (${(cause as Error).message})`;
    throw createStateError("state.corrupt", `State file ${file} ${detail}. It was left unchanged.`, {
      hint,
      cause,
    });
  }
  return checkStateValue(value, file, hint);
}

/** Validates an already parsed snapshot; throws state.corrupt / state.unknown-version. */
export function checkStateValue(value: unknown, file: string, hint?: string): StateFile {
  const problem = findStateProblem(value);
  if (problem !== null) {
    const extra =
      problem.code === "state.corrupt" ? " It was left unchanged." : " Upgrade orderform to read it.";
    throw createStateError(problem.code, `State file ${file} ${problem.detail}.${extra}`, { hint });
  }
  return value as StateFile;
}

/** Throws (a bug in the caller, not a user problem) when a state about to be written is invalid. */
export function assertValidState(state: StateFile): void {
  const problem = findStateProblem(state);
  if (problem !== null) throw new Error(`refusing to write an invalid state: ${problem.detail}`);
}

export function isJournalEntry(value: unknown): value is JournalEntry {
  return loadValidators().journalEntry(value);
}

export function isHistoryMeta(value: unknown): value is HistoryEntry {
  return loadValidators().historyMeta(value);
}
