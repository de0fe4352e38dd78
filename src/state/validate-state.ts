/**
 * Validation of state snapshots and journal records against schemas/state.schema.json (JSON
 * Schema 2020-12), compiled ahead of time by scripts/generate-validators.mjs: importing ajv and
 * compiling the schema were ~60 ms on the critical path of every plan (docs/performance.md).
 */
import { createStringPool, internStrings, REPEATED_KEYS } from "../core/intern.js";
import type { StateFile } from "../core/model.js";
import { STATE_FORMAT_VERSION } from "../core/model.js";
import type { GeneratedValidator } from "../generated/state-validators.js";
import { historyMeta, journalEntry, state as stateValidator } from "../generated/state-validators.js";
import type { HistoryEntry, JournalEntry } from "./types.js";
import { createStateError } from "./errors.js";

function describeErrors(fn: GeneratedValidator): string {
  const first = fn.errors?.[0];
  if (first === undefined) return "does not match the schema";
  return `${first.instancePath === "" ? "(root)" : first.instancePath} ${first.message ?? "is invalid"}`;
}

/**
 * Checks a parsed value and returns the problem, or null when it is a valid StateFile. The
 * version is checked first so that a newer format gets its own message rather than schema noise.
 */
function findStateProblem(
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
  if (!stateValidator(value)) return { code: "state.corrupt", detail: describeErrors(stateValidator) };
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
  return checkStateValue(parseStateJson(text, file, hint), file, hint);
}

/**
 * The snapshot's JSON value, not yet validated; throws state.corrupt when it is no JSON. Apart from
 * parseStateText so that a reader can let go of a large text before the records are validated
 * (docs/performance.md, "Plan cost").
 */
export function parseStateJson(text: string, file: string, hint?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const detail = text.length === 0 ? "is empty" : `is not valid JSON (${(cause as Error).message})`;
    throw createStateError("state.corrupt", `State file ${file} ${detail}. It was left unchanged.`, {
      hint,
      cause,
    });
  }
}

/** Validates an already parsed snapshot; throws state.corrupt / state.unknown-version. */
export function checkStateValue(value: unknown, file: string, hint?: string): StateFile {
  const problem = findStateProblem(value);
  if (problem !== null) {
    const extra =
      problem.code === "state.corrupt" ? " It was left unchanged." : " Upgrade orderform to read it.";
    throw createStateError(problem.code, `State file ${file} ${problem.detail}.${extra}`, { hint });
  }
  // The same tenant and offer ids in every record: one copy each (src/core/intern.ts). After the
  // check, so that a file that is no state is reported as state.corrupt whatever it holds.
  return internStrings(value as StateFile, createStringPool(), REPEATED_KEYS);
}

/** Throws (a bug in the caller, not a user problem) when a state about to be written is invalid. */
export function assertValidState(state: StateFile): void {
  const problem = findStateProblem(state);
  if (problem !== null) throw new Error(`refusing to write an invalid state: ${problem.detail}`);
}

export function isJournalEntry(value: unknown): value is JournalEntry {
  return journalEntry(value);
}

/** Throws (a bug in the caller, not a user problem) when a record about to be appended is invalid. */
export function assertJournalEntries(entries: readonly unknown[]): void {
  for (const entry of entries)
    if (!isJournalEntry(entry)) throw new Error(`invalid journal entry: ${JSON.stringify(entry)}`);
}

export function isHistoryMeta(value: unknown): value is HistoryEntry {
  return historyMeta(value);
}
