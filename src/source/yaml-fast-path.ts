/**
 * A fast path for the plain YAML that order files are usually written in: one document, a block
 * mapping at column 1, nested block mappings and sequences indented with spaces, simple keys,
 * plain, single- or double-quoted scalars without escapes, one-line flow mappings of such scalars
 * (`renewsTo: { termDuration: P1Y }`), and whole-line comments (the `# yaml-language-server:`
 * modeline). Parsing 20,000 such files with the `yaml` library takes about 2 s, most of a large
 * plan (docs/performance.md); this takes a tenth of that.
 *
 * The contract: for any text, either null ("not in the subset": the caller parses with `yaml`),
 * or exactly the value and start position `yaml` (YAML 1.2 core schema, strict, unique keys)
 * produces for that text, with no error or warning possible. Anything doubtful returns null:
 * trailing comments, tabs, CR, non-ASCII outside comments, anchors, tags, flow sequences, nested
 * flow collections, block scalars, escapes, document markers, multi-line scalars, duplicate or
 * `__proto__` keys, numbers other than short unsigned decimals, lines with trailing spaces.
 * test/unit/manifests/yaml-fast-path.test.ts checks the contract against `yaml` itself. */
import { MAX_YAML_DEPTH } from "./yaml-guards.js";

export interface FastYamlDocument {
  value: Record<string, unknown>;
  /** Offset of the document's first content node (the first key). */
  startOffset: number;
}

interface Line {
  indent: number;
  /** The line without its indentation; never empty. */
  body: string;
  offset: number;
}

/**
 * Per content line: nothing outside printable ASCII, and none of the characters the subset leaves
 * to yaml (a "#" outside a whole-line comment included). Whole-line comments may hold anything.
 */
const REJECT_LINE = /[^\x20-\x7e]|[#&*!%@`|>[\]\\]|[ ]$|^(?:---|\.\.\.)/;
/** A one-line flow mapping of simple keys and short plain or quoted values: `{ a: b, c: 1 }`. */
const FLOW_MAP =
  /^\{ *(?:[A-Za-z_][A-Za-z0-9_-]*: +(?:[A-Za-z0-9_/][A-Za-z0-9_./+-]*|"[^",{}:]*"|'[^',{}:]*') *(?:, *[A-Za-z_][A-Za-z0-9_-]*: +(?:[A-Za-z0-9_/][A-Za-z0-9_./+-]*|"[^",{}:]*"|'[^',{}:]*') *)*)?\}$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9 _.:/+-]*$/;
const SHORT_UINT = /^[0-9]{1,15}$/;
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
/** The core schema's other number forms (float, exponent, octal, hex, signed ints): left to yaml. */
const OTHER_NUMBER =
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)|0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/;
/** yaml refuses implicit keys longer than 1024 characters; stay well clear. */
const MAX_LINE = 512;

const NOT_SIMPLE = Symbol("not simple");

export function parseSimpleYaml(text: string): FastYamlDocument | null {
  if (text.length === 0) return null;
  const lines: Line[] = [];
  let offset = 0;
  for (const raw of text.split("\n")) {
    if (raw.length > 0) {
      let indent = 0;
      while (raw.charCodeAt(indent) === 32) indent += 1;
      if (indent === raw.length) return null;
      // A whole-line comment: yaml ignores it wherever it is indented (the subset has no block
      // scalars or multi-line scalars it could belong to). "\r" would end it early in yaml.
      if (raw.charCodeAt(indent) === 35 /* # */) {
        if (raw.includes("\r")) return null;
      } else {
        if (raw.length > MAX_LINE || REJECT_LINE.test(raw)) return null;
        lines.push({ indent, body: raw.slice(indent), offset: offset + indent });
      }
    }
    offset += raw.length + 1;
  }
  const first = lines[0];
  if (first === undefined || first.indent !== 0 || first.body.startsWith("- ")) return null;
  const cursor = { i: 0 };
  const value = readMap(lines, cursor, 0, null, 1);
  if (value === NOT_SIMPLE || cursor.i !== lines.length) return null;
  return { value, startOffset: first.offset };
}

/**
 * A block mapping whose keys sit at `indent`; `firstBody` is the rest of a "- " line that starts it.
 * `depth` counts the collections it is nested in, itself included (yaml-source refuses documents
 * deeper than MAX_YAML_DEPTH, so the fast path leaves them to it).
 */
function readMap(
  lines: Line[],
  cursor: { i: number },
  indent: number,
  firstBody: string | null,
  depth: number,
): Record<string, unknown> | typeof NOT_SIMPLE {
  if (depth > MAX_YAML_DEPTH) return NOT_SIMPLE;
  const out: Record<string, unknown> = {};
  let body = firstBody;
  for (;;) {
    if (body === null) {
      const line = lines[cursor.i];
      if (line === undefined || line.indent < indent) return out;
      if (line.indent > indent || line.body.startsWith("- ") || line.body === "-") return NOT_SIMPLE;
      body = line.body;
    }
    cursor.i += 1;
    const colon = body.indexOf(":");
    if (colon <= 0) return NOT_SIMPLE;
    const key = body.slice(0, colon);
    if (!isSimpleKey(key) || Object.prototype.hasOwnProperty.call(out, key)) {
      return NOT_SIMPLE;
    }
    const rest = body.slice(colon + 1);
    let value: unknown;
    if (rest === "") {
      value = readNested(lines, cursor, indent, depth + 1);
    } else if (rest.startsWith(" ")) {
      value = readScalar(rest.slice(1), depth + 1);
    } else {
      return NOT_SIMPLE;
    }
    if (value === NOT_SIMPLE) return NOT_SIMPLE;
    out[key] = value;
    body = null;
  }
}

/**
 * The value of `key:` with nothing after it: a deeper block, a sequence at the same indent, or null.
 * `depth`: the value's, were it a collection.
 */
function readNested(lines: Line[], cursor: { i: number }, indent: number, depth: number): unknown {
  const next = lines[cursor.i];
  if (next === undefined || next.indent < indent) return null;
  if (next.body.startsWith("- ")) {
    return readSeq(lines, cursor, next.indent, next.indent === indent, depth);
  }
  if (next.indent === indent) return null;
  return readMap(lines, cursor, next.indent, null, depth);
}

/** `compact`: the sequence is the value of a key at the same indent, so a key line ends it. */
function readSeq(
  lines: Line[],
  cursor: { i: number },
  indent: number,
  compact: boolean,
  depth: number,
): unknown[] | typeof NOT_SIMPLE {
  if (depth > MAX_YAML_DEPTH) return NOT_SIMPLE;
  const out: unknown[] = [];
  for (;;) {
    const line = lines[cursor.i];
    if (line === undefined || line.indent < indent) return out;
    if (line.indent > indent || !line.body.startsWith("- ")) {
      // A map key at the sequence's own indent ends a compact sequence under a key.
      return compact && line.indent === indent && !line.body.startsWith("-") ? out : NOT_SIMPLE;
    }
    const item = line.body.slice(2);
    if (item.startsWith(" ") || item.startsWith("-")) return NOT_SIMPLE;
    let value: unknown;
    const colon = item.indexOf(":");
    if (
      colon > 0 &&
      (item[colon + 1] === " " || colon === item.length - 1) &&
      isSimpleKey(item.slice(0, colon))
    ) {
      value = readMap(lines, cursor, indent + 2, item, depth + 1);
    } else {
      cursor.i += 1;
      value = readScalar(item, depth + 1);
    }
    if (value === NOT_SIMPLE) return NOT_SIMPLE;
    out.push(value);
  }
}

function readFlowMap(text: string, depth: number): Record<string, unknown> | typeof NOT_SIMPLE {
  if (depth > MAX_YAML_DEPTH || !FLOW_MAP.test(text)) return NOT_SIMPLE;
  const out: Record<string, unknown> = {};
  const inner = text.slice(1, -1).trim();
  if (inner === "") return out;
  for (const entry of inner.split(",")) {
    const colon = entry.indexOf(":");
    const key = entry.slice(0, colon).trim();
    if (!isSimpleKey(key) || Object.prototype.hasOwnProperty.call(out, key)) return NOT_SIMPLE;
    const value = readScalar(entry.slice(colon + 1).trim(), depth + 1);
    if (value === NOT_SIMPLE || (typeof value === "object" && value !== null)) return NOT_SIMPLE;
    out[key] = value;
  }
  return out;
}

/** A key that is a plain string to yaml too (not null or a boolean) and safe as a property name. */
function isSimpleKey(key: string): boolean {
  return KEY.test(key) && key !== "__proto__" && !NULL.test(key) && !TRUE.test(key) && !FALSE.test(key);
}

/** `depth`: the value's, were it a (flow) collection. */
function readScalar(text: string, depth: number): unknown {
  if (text[0] === "{") return readFlowMap(text, depth);
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const end = text.indexOf(quote, 1);
    return end === text.length - 1 ? text.slice(1, -1) : NOT_SIMPLE;
  }
  if (NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (SHORT_UINT.test(text)) return Number(text);
  if (OTHER_NUMBER.test(text) || !PLAIN.test(text)) return NOT_SIMPLE;
  // ": " would start a mapping; a trailing ":" too.
  if (text.includes(": ") || text.endsWith(":")) return NOT_SIMPLE;
  return text;
}
