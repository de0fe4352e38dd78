import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { parseSimpleYaml } from "../../../src/source/yaml-fast-path.js";
import { parseYamlSource } from "../../../src/source/yaml-source.js";

// The fast path's contract: null, or exactly what yaml makes of the text with orderform's options,
// with no error or warning. These tests hold it to yaml itself.
const OPTIONS = {
  uniqueKeys: true,
  version: "1.2",
  schema: "core",
  merge: false,
  strict: true,
  logLevel: "silent",
} as const;

function parseWithYaml(text: string): { value: unknown; start: number | undefined; clean: boolean } {
  const docs = parseAllDocuments(text, OPTIONS);
  const list = Array.isArray(docs) ? docs : [docs];
  const clean = list.length === 1 && list.every((d) => d.errors.length === 0 && d.warnings.length === 0);
  const doc = list[0];
  return {
    value: clean && doc !== undefined ? doc.toJS({ maxAliasCount: 100 }) : undefined,
    start: (doc?.contents as { range?: number[] } | null)?.range?.[0],
    clean,
  };
}

function expectSameAsYaml(text: string): void {
  const fast = parseSimpleYaml(text);
  if (fast === null) return;
  const slow = parseWithYaml(text);
  expect(slow.clean, text).toBe(true);
  expect(fast.value, text).toStrictEqual(slow.value);
  expect(fast.startOffset, text).toBe(slow.start);
}

const BENCH_FILE = `name: c1/order-0
customer: 00000001-bbbb-4ccc-8ddd-000000000000
billingCycle: monthly
partnerOnRecordAttestationAccepted: true
lineItems:
  - offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P"
    quantity: 3
    termDuration: P1M
    attestationAccepted: true
`;

describe("parseSimpleYaml takes the fast path", () => {
  const cases: [string, string][] = [
    ["a generated order file", BENCH_FILE],
    [
      "compact sequence, nested map",
      "name: a\nlineItems:\n- offerId: x\n  renewsTo:\n    termDuration: P1Y\n  quantity: 2\nb: c\n",
    ],
    ["leading blank lines, no final newline", "\n\nname: 'x y'\nq: 007\nn: ~\ne:\nf: False\n"],
    ["scalar items and empty quotes", "ids:\n  - '4847383'\n  - \"12\"\n  - ''\nk: v:w\n"],
    ["keys that are empty values", "a:\nb:\n  c:\n  d: 1\n"],
    [
      "a modeline, comment lines and a flow mapping (the validate benchmark's file)",
      "# yaml-language-server: $schema=../../schemas/order.schema.json\nname: c1/order-1\nlineItems:\n  # seats {é}\n  - offerId: CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P\n    friendlyName: Seats 1\n    renewsTo: { termDuration: P1Y }\n# end\n",
    ],
    ["flow mappings", "a: {}\nb: { }\nc: {x: 1, y: 'z', w: \"v\"}\nd:\n  - { k: null }\n"],
  ];
  it.each(cases)("%s", (_, text) => {
    expect(parseSimpleYaml(text)).not.toBeNull();
    expectSameAsYaml(text);
  });
});

describe("parseSimpleYaml leaves anything doubtful to yaml", () => {
  const cases: [string, string][] = [
    ["a trailing comment", "a: b # c\n"],
    ["a CR in a comment line", "# c\r\na: b\n"],
    ["a nested flow mapping", "a: { b: { c: 1 } }\n"],
    ["a flow mapping with a float", "a: { b: 1.5 }\n"],
    ["a flow mapping with a duplicate key", "a: { b: 1, b: 2 }\n"],
    ["an anchor", "a: &x b\nc: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a tab", "a:\tb\n"],
    ["CR line ends", "a: b\r\n"],
    ["non-ASCII", "a: é\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a __proto__ key", "__proto__: 1\n"],
    ["a boolean key", "true: 1\n"],
    ["hex", "a: 0x1F\n"],
    ["a float", "a: 1.5\n"],
    ["a signed int", "a: -1\n"],
    ["a long int", "a: 12345678901234567890\n"],
    ["an exponent", "a: 12e3\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["a document end marker", "a: 1\n...\n"],
    ["a multi-line plain scalar", "a: b\n  c\n"],
    ["a multi-line quoted scalar", 'a: "b\n  c"\n'],
    ["an escape", 'a: "b\\n"\n'],
    ["an escaped single quote", "a: 'it''s'\n"],
    ["a flow sequence", "a: [1, 2]\n"],
    ["a flow mapping over two lines", "a: { b: 1,\n  c: 2 }\n"],
    ["a block scalar", "a: |\n  b\n"],
    ["trailing spaces", "a: b \n"],
    ["a whitespace-only line", "a: b\n  \nc: d\n"],
    ["a top-level sequence", "- a\n"],
    ["an indented first key", "  a: b\n"],
    ["a bad indent under a sequence item", "a:\n  - b: 1\n   c: 2\n"],
    ["a key after a deeper sequence", "a:\n  - 1\n  b: 2\n"],
    ["a colon-space in a value", "a: b: c\n"],
    ["a plain scalar on the next line", "a:\n  b\n"],
    ["an empty file", ""],
  ];
  it.each(cases)("%s", (_, text) => {
    expect(parseSimpleYaml(text)).toBeNull();
  });
});

describe("parseSimpleYaml agrees with yaml on generated texts", () => {
  const key = fc.constantFrom("a", "b", "name", "lineItems", "true", "null", "_k", "k-1", "x", "y");
  const scalar = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        ...["v", "1", "007", "~", "true", "False", "x y", "a:b", "'q'", '"q"', "P1M", "/p"],
        ...["{ t: P1Y }", "{a: 1, b: 'c'}", "{}"],
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...["1.5", "0x1", "-1", "1e3", "Null", "yes", "a: b", "''", "'a\"b'", "a:", ".5", "-", "b #c"],
        ...["{ a: {} }", "{ a: 1.5 }", "{a:1}", "{ a: b, }", "{ true: 1 }", "{ a: 'x, y' }"],
      ),
    },
  );
  type Tree =
    | { kind: "scalar"; text: string }
    | { kind: "map"; entries: [string, Tree][] }
    | { kind: "seq"; items: Tree[] };
  const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar.map((text): Tree => ({ kind: "scalar", text })),
      fc
        .array(fc.tuple(key, tie("tree")), { minLength: 1, maxLength: 4 })
        .map((entries): Tree => ({ kind: "map", entries })),
      fc.array(tie("tree"), { minLength: 1, maxLength: 3 }).map((items): Tree => ({ kind: "seq", items })),
    ),
  }));
  const topMap = fc.oneof(
    fc.uniqueArray(fc.tuple(key, tree), { minLength: 1, maxLength: 5, selector: (e) => e[0] }),
    fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 5 }), // duplicate keys too
  );

  /** Renders block YAML with a given indent step; compact: sequences under a key at the key's indent. */
  function render(entries: [string, Tree][], indent: number, step: number, compact: boolean): string[] {
    const pad = " ".repeat(indent);
    const out: string[] = [];
    for (const [k, v] of entries) {
      if (v.kind === "scalar") out.push(`${pad}${k}: ${v.text}`);
      else if (v.kind === "map") out.push(`${pad}${k}:`, ...render(v.entries, indent + step, step, compact));
      else out.push(`${pad}${k}:`, ...renderSeq(v.items, compact ? indent : indent + step, step, compact));
    }
    return out;
  }
  function renderSeq(items: Tree[], indent: number, step: number, compact: boolean): string[] {
    const pad = " ".repeat(indent);
    const out: string[] = [];
    for (const item of items) {
      if (item.kind === "scalar") out.push(`${pad}- ${item.text}`);
      else if (item.kind === "map") {
        const lines = render(item.entries, indent + 2, step, compact);
        out.push(`${pad}- ${lines[0]!.trimStart()}`, ...lines.slice(1));
      } else out.push(`${pad}-`, ...renderSeq(item.items, indent + step, step, compact));
    }
    return out;
  }
  // Near misses: one character inserted or deleted somewhere.
  const mutation = fc.option(fc.tuple(fc.nat(), fc.constantFrom("", " ", "-", ":", "#", "'", "\n", "  ")), {
    freq: 1,
  });
  const text = fc
    .tuple(topMap, fc.constantFrom(1, 2, 4), fc.boolean(), mutation)
    .map(([entries, step, compact, mut]) => {
      const t = `# head\n${render(entries, 0, step, compact).join("\n")}\n`;
      if (mut === null) return t;
      const at = mut[0] % t.length;
      return mut[1] === "" ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + mut[1] + t.slice(at);
    });

  it("returns null or yaml's own value and start", () => {
    let accepted = 0;
    fc.assert(
      fc.property(text, (t) => {
        if (parseSimpleYaml(t) !== null) accepted += 1;
        expectSameAsYaml(t);
      }),
      { numRuns: 5000, seed: 7 },
    );
    // The generator must reach the fast path often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(300); // about 400 of the 5,000 with this seed
  });
});

describe("parseYamlSource on the fast path", () => {
  it("gives the start and the positions a full parse gives", () => {
    const text = `\n${BENCH_FILE}`;
    const fast = parseYamlSource(text, "f.yaml", "yaml");
    const full = parseYamlSource(text, "f.yaml", "config"); // config files never take the fast path
    const [a, b] = [fast.documents[0]!, full.documents[0]!];
    expect(fast.diagnostics).toEqual([]);
    expect(a.value).toStrictEqual(b.value);
    expect(a.start).toEqual({ line: 2, column: 1 });
    expect(a.start).toEqual(b.start);
    for (const path of [["name"], ["lineItems", 0, "quantity"], ["lineItems", 0, "nope"], []]) {
      expect(a.locate(path)).toEqual(b.locate(path));
      expect(a.locate(path, "key")).toEqual(b.locate(path, "key"));
    }
    expect(a.locate(["lineItems", 0, "quantity"]).position).toEqual({ line: 8, column: 15 });
  });
});
