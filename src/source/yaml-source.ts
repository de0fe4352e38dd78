/**
 * YAML parsing that keeps positions, shared by order files and YAML/JSON config files.
 *
 * Safety: YAML 1.2 core schema only (no custom tags, no `<<` merge keys), duplicate keys are
 * errors, and alias expansion is bounded so that a "billion laughs" document is rejected while
 * converting instead of exhausting memory. Collections nested deeper than MAX_YAML_DEPTH and
 * aliases with no anchor before them get diagnostics of their own (yaml-guards.ts) instead of a
 * stack overflow or a position-less error. The `yaml` library defines `__proto__` and
 * `constructor` keys as own data properties, so a document cannot reach any prototype.
 */
import { Composer, isAlias, isMap, isNode, isScalar, isSeq, LineCounter, Parser } from "yaml";
import type { Document, Node, Pair } from "yaml";
import type { ErrorCode } from "../core/error-codes.js";
import { createDiagnostic } from "../core/errors.js";
import { findTooDeepOffset, findUndefinedAlias, MAX_YAML_DEPTH } from "./yaml-guards.js";
import type { Diagnostic } from "../core/errors.js";

/** Aliases a document may expand in total; real order files need none, configs at most a few. */
const MAX_ALIAS_COUNT = 100;

/** The parse layer's codes: order files and config files name the same problems in their own vocabularies. */
const PARSE_CODES = {
  yaml: {
    syntax: "yaml.syntax",
    duplicateKey: "yaml.duplicate-key",
    aliasLimit: "yaml.alias-limit",
    unsupportedTag: "yaml.unsupported-tag",
    undefinedAlias: "yaml.undefined-alias",
    tooDeep: "yaml.too-deep",
  },
  config: {
    syntax: "config.syntax",
    duplicateKey: "config.duplicate-key",
    aliasLimit: "config.alias-limit",
    unsupportedTag: "config.unsupported-tag",
    undefinedAlias: "config.undefined-alias",
    tooDeep: "config.too-deep",
  },
} as const satisfies Record<"yaml" | "config", Record<string, ErrorCode>>;

type ParseCodes = (typeof PARSE_CODES)[keyof typeof PARSE_CODES];

export interface Position {
  line: number; // 1-based
  column: number; // 1-based
}

/** A path into a document's data: map keys and sequence indexes. */
export type DataPath = readonly (string | number)[];

export interface LocatedNode {
  position: Position;
  sourceLine: string;
}

/** One YAML document of a file, with its plain value and a way back to positions. */
export interface SourceDocument {
  /** The converted value; undefined when the document has no content. */
  value: unknown;
  /** Position of the document's first content node (or of the document when it is empty). */
  start: Position;
  /**
   * The position of the node at `path`: with `at: "key"` the key of the last segment (for
   * unknown keys); by default its value. Falls back to the nearest existing ancestor.
   */
  locate(path: DataPath, at?: "key" | "value"): LocatedNode;
  /**
   * The source text of the number at `path` when it is not written as plain decimal digits
   * (`1e3`, `1000.0`, `0x3E8`, `+5`: YAML reads them all as numbers); undefined for plain digits,
   * for anything that is no number, and for a path that leads nowhere. Never parses again.
   */
  findNonDigitNumber(path: DataPath): string | undefined;
}

export interface ParsedSource {
  documents: SourceDocument[];
  diagnostics: Diagnostic[];
}

/** Codes the parse layer emits; `prefix` is "yaml" for order files and "config" for config files. */
export function parseYamlSource(
  text: string,
  file: string,
  prefix: "yaml" | "config" = "yaml",
): ParsedSource {
  const codes = PARSE_CODES[prefix];
  const lineCounter = new LineCounter();
  const lines = createLineReader(text, lineCounter);
  // parseAllDocuments in two steps, so that the depth is checked between them: the parser builds
  // its tree without recursion, the composer recurses once per level.
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const deep = findTooDeepOffset(tokens);
  if (deep !== undefined) {
    const position = toPosition(lineCounter, deep);
    const diagnostic = createDiagnostic(
      codes.tooDeep,
      `collections nest more than ${MAX_YAML_DEPTH} levels deep here; refusing to read the file`,
      {
        file,
        ...position,
        sourceLine: lines(position.line),
        hint: "an order nests 4 levels deep; look for unclosed or runaway [ and { or a runaway indentation",
      },
    );
    return { documents: [], diagnostics: [diagnostic] };
  }
  const composer = new Composer({
    uniqueKeys: true,
    version: "1.2",
    schema: "core",
    merge: false,
    strict: true,
    logLevel: "silent",
  });
  const docs = Array.from(composer.compose(tokens));
  const diagnostics: Diagnostic[] = [];
  const documents: SourceDocument[] = [];
  for (const doc of docs) {
    let broken = false;
    for (const error of doc.errors) {
      broken = true;
      diagnostics.push(createYamlDiagnostic(error, text, file, lines, lineCounter, codes));
    }
    for (const warning of doc.warnings) {
      // A tag yaml cannot resolve (e.g. !!js/function) would silently become a string; refuse it.
      const isTag = warning.code === "TAG_RESOLVE_FAILED";
      if (isTag) broken = true;
      const diagnostic = createYamlDiagnostic(warning, text, file, lines, lineCounter, codes);
      diagnostics.push(isTag ? diagnostic : { ...diagnostic, severity: "warning" });
    }
    if (broken) continue;
    const contents = doc.contents as Node | null;
    const startOffset = contents?.range?.[0] ?? doc.range[0];
    const start = toPosition(lineCounter, startOffset);
    const alias = findUndefinedAlias(doc);
    if (alias !== undefined) {
      const position = toPosition(lineCounter, alias.range?.[0] ?? startOffset);
      diagnostics.push(
        createDiagnostic(codes.undefinedAlias, `alias *${alias.source} names no anchor defined before it`, {
          file,
          ...position,
          sourceLine: lines(position.line),
          hint: `define the anchor with &${alias.source} on a value above this line, or write the value out`,
        }),
      );
      continue;
    }
    let value: unknown;
    try {
      value = contents === null ? undefined : doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // yaml throws a ReferenceError when expansion passes maxAliasCount ("resource exhaustion").
      const message = error instanceof Error ? error.message : String(error);
      const isAliasLimit = /alias count/i.test(message);
      diagnostics.push(
        createDiagnostic(
          isAliasLimit ? codes.aliasLimit : codes.syntax,
          isAliasLimit
            ? `aliases expand to more than ${MAX_ALIAS_COUNT} nodes; refusing to expand this document`
            : message,
          {
            file,
            ...start,
            sourceLine: lines(start.line),
            hint: isAliasLimit ? "write the values out instead of using anchors and aliases" : undefined,
          },
        ),
      );
      continue;
    }
    documents.push({
      value,
      start,
      locate: createLocator(doc, lineCounter, lines, start),
      findNonDigitNumber: (path) => findNonDigitNumber(doc, path),
    });
  }
  return { documents, diagnostics };
}

function createYamlDiagnostic(
  error: { code: string; message: string; pos: [number, number] },
  text: string,
  file: string,
  lines: (line: number) => string,
  lineCounter: LineCounter,
  codes: ParseCodes,
): Diagnostic {
  // prettyErrors appends a position and a code excerpt; the renderer shows its own.
  const message = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? error.message;
  const position = toPosition(lineCounter, findErrorOffset(error, message, text));
  if (error.code === "DUPLICATE_KEY") {
    return createDiagnostic(codes.duplicateKey, "duplicate key in a mapping", {
      file,
      ...position,
      sourceLine: lines(position.line),
      hint: "each key may appear once per mapping; remove or merge the repeated one",
    });
  }
  if (error.code === "RESOURCE_EXHAUSTION") {
    // The composer turns a stack overflow into this error too; the depth check should come first.
    return createDiagnostic(/alias/i.test(message) ? codes.aliasLimit : codes.tooDeep, message, {
      file,
      ...position,
      sourceLine: lines(position.line),
    });
  }
  if (error.code === "TAG_RESOLVE_FAILED") {
    return createDiagnostic(codes.unsupportedTag, message, {
      file,
      ...position,
      sourceLine: lines(position.line),
      hint: "only plain YAML 1.2 values are supported; remove the tag",
    });
  }
  return createDiagnostic(codes.syntax, message, {
    file,
    ...position,
    sourceLine: lines(position.line),
  });
}

/**
 * yaml reports an unclosed quote where the input ends; the useful place is the opening quote,
 * which is the last unescaped quote character before that point (any later one would have closed
 * it). Other errors reported on indentation are moved to the line's first non-blank character.
 */
function findErrorOffset(
  error: { code: string; pos: [number, number] },
  message: string,
  text: string,
): number {
  const offset = Math.min(error.pos[0], text.length);
  const quote = /^Missing closing (["'])quote/.exec(message)?.[1];
  if (quote !== undefined) {
    for (let i = offset - 1; i >= 0; i -= 1) {
      if (text[i] === quote && !(quote === '"' && text[i - 1] === "\\")) return i;
    }
    return offset;
  }
  // Likewise an unclosed flow collection is reported where the input ends; point at its opener.
  const opener = /^Flow (sequence|map) in block collection/.exec(message)?.[1];
  if (opener !== undefined) {
    const at = text.lastIndexOf(opener === "sequence" ? "[" : "{", offset - 1);
    if (at !== -1) return at;
  }
  if (error.code === "TAB_AS_INDENT") return offset;
  let i = offset;
  while (text[i] === " ") i += 1;
  return text[i] === "\n" || text[i] === "\r" || i >= text.length ? offset : i;
}

function toPosition(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  // line 0 means the text has no newline before offset: it is on the first line.
  return { line: Math.max(line, 1), column: Math.max(col, 1) };
}

function createLineReader(text: string, lineCounter: LineCounter): (line: number) => string {
  return (line) => {
    const starts = lineCounter.lineStarts;
    const begin = starts[line - 1] ?? 0;
    const end = starts[line] ?? text.length;
    return text.slice(begin, end).replace(/\r?\n$/, "");
  };
}

function createLocator(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  lines: (line: number) => string,
  start: Position,
): SourceDocument["locate"] {
  return (path, at = "value") => {
    let node: unknown = doc.contents;
    let found: Node | undefined = isNode(node) ? node : undefined;
    for (let i = 0; i < path.length; i += 1) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p: Pair) => keyText(p.key) === String(segment));
        if (pair === undefined) break;
        if (last && at === "key" && isNode(pair.key)) {
          found = pair.key;
          break;
        }
        node = pair.value;
        found = isNode(pair.value) ? pair.value : isNode(pair.key) ? pair.key : found;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        if (!isNode(node)) break;
        found = node;
      } else {
        break;
      }
    }
    const offset = found?.range?.[0];
    const position = offset === undefined ? start : toPosition(lineCounter, offset);
    return { position, sourceLine: lines(position.line) };
  };
}

function findNonDigitNumber(doc: Document.Parsed, path: DataPath): string | undefined {
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) node = node.items.find((p: Pair) => keyText(p.key) === String(segment))?.value;
    else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
    else return undefined;
  }
  if (isAlias(node)) node = node.resolve(doc);
  if (!isScalar(node) || typeof node.value !== "number") return undefined;
  const written = node.source ?? String(node.value);
  return /^[0-9]+$/.test(written) ? undefined : written;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === "string" ? key : undefined;
}
