import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/core/errors.js";
import {
  SOURCE_EXCERPT_WIDTH,
  createSourceExcerpt,
  renderDiagnostics,
  renderDiagnosticsJson,
} from "../../../src/render/diagnostics.js";

const quantity: Diagnostic = {
  severity: "error",
  code: "order.invalid-quantity",
  message: "lineItems[0].quantity must be a positive integer, got integer 0",
  hint: "quantity counts licenses (or instances): a whole number of at least 1",
  file: "orders/contoso.yaml",
  line: 7,
  column: 15,
  sourceLine: "    quantity: 0",
};

describe("renderDiagnostics", () => {
  it("prints file:line:col  code  message, the source line with a caret, and the hint", () => {
    expect(renderDiagnostics([quantity], { color: false })).toBe(
      [
        "orders/contoso.yaml:7:15  order.invalid-quantity  lineItems[0].quantity must be a positive integer, got integer 0",
        "  7 |     quantity: 0",
        "    |               ^",
        "  hint: quantity counts licenses (or instances): a whole number of at least 1",
        "",
      ].join("\n"),
    );
  });

  it.each([
    [
      { severity: "error", code: "config.orders-not-found", message: "no orders" } as Diagnostic,
      "config.orders-not-found  no orders\n",
    ],
    [
      {
        severity: "warning",
        code: "order.empty-file",
        message: "empty",
        file: "orders/x.yaml",
        line: 1,
        column: 1,
      } as Diagnostic,
      "orders/x.yaml:1:1  order.empty-file  warning empty\n",
    ],
    [
      { severity: "error", code: "order.unreadable", message: "m", file: "f.yaml" } as Diagnostic,
      "f.yaml  order.unreadable  m\n",
    ],
  ])("renders %j", (diagnostic, expected) => {
    expect(renderDiagnostics([diagnostic], { color: false })).toBe(expected);
  });

  it("adds colour only when asked", () => {
    expect(renderDiagnostics([quantity], { color: true })).toContain(
      "\u001b[31morder.invalid-quantity\u001b[0m",
    );
    expect(renderDiagnostics([quantity], { color: false })).not.toContain("\u001b");
  });

  it("neutralizes control characters from the user's files (no terminal escapes)", () => {
    const evil = { ...quantity, sourceLine: "    quantity: \u001b[2J0", message: "bad \u0007 bell" };
    const out = renderDiagnostics([evil], { color: false });
    const controls = [...out].filter((c) => c !== "\n" && c.charCodeAt(0) < 0x20);
    expect(controls).toEqual([]);
    expect(out).toContain("quantity: ?[2J0");
  });

  it("renders nothing for no diagnostics", () => {
    expect(renderDiagnostics([], { color: true })).toBe("");
  });
});

describe("renderDiagnosticsJson", () => {
  it("prints one object with counts, extra fields and every diagnostic", () => {
    const warning: Diagnostic = { severity: "warning", code: "order.empty-file", message: "empty" };
    const parsed = JSON.parse(renderDiagnosticsJson([quantity, warning], { files: 3 })) as Record<
      string,
      unknown
    >;
    expect(parsed).toEqual({
      files: 3,
      ok: false,
      errors: 1,
      warnings: 1,
      diagnostics: [
        {
          severity: "error",
          code: "order.invalid-quantity",
          message: quantity.message,
          hint: quantity.hint,
          file: "orders/contoso.yaml",
          line: 7,
          column: 15,
          sourceLine: "    quantity: 0",
        },
        { severity: "warning", code: "order.empty-file", message: "empty" },
      ],
    });
  });

  it("reports ok with no diagnostics", () => {
    expect(JSON.parse(renderDiagnosticsJson([])) as unknown).toEqual({
      ok: true,
      errors: 0,
      warnings: 0,
      diagnostics: [],
    });
  });
});

describe("long source lines", () => {
  const line = `name: ${"[".repeat(200_000)}`;
  const diagnostic: Diagnostic = {
    code: "yaml.syntax",
    severity: "error",
    message: "bad",
    file: "orders/deep.yaml",
    line: 1,
    column: 792,
    sourceLine: line,
  };

  it.each([
    { column: 1, text: `${line.slice(0, SOURCE_EXCERPT_WIDTH)}…`, caret: 1 },
    { column: 792, text: `…${line.slice(731, 731 + SOURCE_EXCERPT_WIDTH)}…`, caret: 62 },
    {
      column: line.length,
      text: `…${line.slice(line.length - SOURCE_EXCERPT_WIDTH)}`,
      caret: SOURCE_EXCERPT_WIDTH + 1,
    },
  ])("shows a window around column $column with the caret under it", ({ column, text, caret }) => {
    const excerpt = createSourceExcerpt(line, column);
    expect(excerpt).toEqual({ text, column: caret });
    // The caret points at the same character as the column did in the full line.
    expect([...excerpt.text][excerpt.column - 1]).toBe(line[column - 1]);
  });

  it("keeps short lines whole", () => {
    expect(createSourceExcerpt("quantity: x", 11)).toEqual({ text: "quantity: x", column: 11 });
  });

  it("never repeats a whole long line, in text or JSON", () => {
    const many = Array.from({ length: 50 }, () => diagnostic);
    expect(renderDiagnostics(many, { color: false }).length).toBeLessThan(50 * 500);
    expect(renderDiagnosticsJson(many).length).toBeLessThan(50 * 500);
  });
});
