/**
 * Turns ajv errors into Diagnostics with file:line:col, one per offending node, with codes chosen
 * by the caller (order files and config files have their own vocabularies).
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import type { ErrorCode } from "../core/error-codes.js";
import { createDiagnostic } from "../core/errors.js";
import type { Diagnostic } from "../core/errors.js";
import { suggestNearest } from "../core/suggest.js";
import type { DataPath, SourceDocument } from "./yaml-source.js";

/** What a caller decides about one schema error at one data path. */
export interface SchemaIssue {
  code: ErrorCode;
  message: string;
  hint?: string;
  /** Leave the offending source line out (e.g. it may hold a secret pasted into the wrong key). */
  omitSourceLine?: boolean;
}

export interface SchemaDiagnosticRules {
  /** An unknown key at `path` (the path includes the key). */
  describeUnknownKey(
    path: DataPath,
    key: string,
    suggestion: string | undefined,
    allowed: readonly string[],
  ): SchemaIssue;
  /** A missing required key `key` in the mapping at `path`. */
  describeMissingKey(path: DataPath, key: string): SchemaIssue;
  /** Any other failure of the value at `path` (type, enum, pattern, bounds). */
  describeInvalidValue(path: DataPath, error: ErrorObject, value: unknown): SchemaIssue;
}

export function createSchemaDiagnostics(
  errors: readonly ErrorObject[],
  doc: SourceDocument,
  file: string,
  rules: SchemaDiagnosticRules,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // anyOf/enum/pattern report the same node several times; one diagnostic per node is enough.
  const seenValues = new Set<string>();
  for (const error of errors) {
    const path = parseInstancePath(error.instancePath);
    if (error.keyword === "additionalProperties") {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(
        (error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {},
      );
      const keyPath = [...path, key];
      const issue = rules.describeUnknownKey(keyPath, key, suggestNearest(key, allowed), allowed);
      diagnostics.push(createIssueDiagnostic(issue, doc, keyPath, "key", file));
    } else if (error.keyword === "required") {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      diagnostics.push(createIssueDiagnostic(rules.describeMissingKey(path, key), doc, path, "value", file));
    } else if (error.keyword === "propertyNames") {
      // Reported through the nested pattern error, which carries the key as propertyName.
      continue;
    } else {
      const keyPath = error.propertyName === undefined ? path : [...path, error.propertyName];
      const id = error.instancePath + (error.propertyName === undefined ? "" : `#${error.propertyName}`);
      if (seenValues.has(id)) continue;
      seenValues.add(id);
      const issue = rules.describeInvalidValue(keyPath, error, error.data);
      diagnostics.push(
        createIssueDiagnostic(issue, doc, keyPath, error.propertyName === undefined ? "value" : "key", file),
      );
    }
  }
  return diagnostics;
}

function createIssueDiagnostic(
  issue: SchemaIssue,
  doc: SourceDocument,
  path: DataPath,
  at: "key" | "value",
  file: string,
): Diagnostic {
  const located = doc.locate(path, at);
  return createDiagnostic(issue.code, issue.message, {
    file,
    ...located.position,
    hint: issue.hint,
    sourceLine: issue.omitSourceLine === true ? undefined : located.sourceLine,
  });
}

/** "/lineItems/0/quantity" -> ["lineItems", 0, "quantity"] (JSON Pointer unescaping included). */
export function parseInstancePath(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => {
      const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      return /^(?:0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment;
    });
}

/** ["lineItems", 0, "quantity"] -> "lineItems[0].quantity", for messages. */
export function renderDataPath(path: DataPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out === "" ? "(document)" : out;
}

/** A short, safe rendering of a value for messages: JSON, truncated. */
export function renderValue(value: unknown): string {
  // JSON would render them as null.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The JSON type name used in messages ("string", "integer", "mapping", "list", "null"...). */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "mapping";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}
