/**
 * Diagnostics to text (`file:line:col  code  message`, the source line with a caret, the hint)
 * and to JSON. Every command prints diagnostics through these two functions.
 */
import type { Diagnostic } from "../core/errors.js";

export interface RenderDiagnosticsOptions {
  color: boolean;
}

const ANSI = {
  red: "\u001b[31m",
  yellow: "\u001b[33m",
  cyan: "\u001b[36m",
  dim: "\u001b[2m",
  bold: "\u001b[1m",
  reset: "\u001b[0m",
};

/** Text form; ends with a newline, or is "" when there is nothing to say. */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  options: RenderDiagnosticsOptions,
): string {
  const paint = (style: keyof typeof ANSI, text: string): string =>
    options.color ? `${ANSI[style]}${text}${ANSI.reset}` : text;
  let out = "";
  for (const d of diagnostics) {
    const location = renderLocation(d);
    const severity = d.severity === "warning" ? paint("yellow", "warning ") : "";
    const code = paint(d.severity === "warning" ? "yellow" : "red", d.code);
    out += `${location === "" ? "" : `${paint("bold", location)}  `}${code}  ${severity}${sanitize(d.message)}\n`;
    if (d.sourceLine !== undefined && d.sourceLine !== "" && d.line !== undefined) {
      const gutter = String(d.line);
      const excerpt = createSourceExcerpt(sanitize(d.sourceLine).replace(/\t/g, " "), d.column ?? 1);
      out += `  ${paint("dim", `${gutter} |`)} ${excerpt.text}\n`;
      if (d.column !== undefined) {
        out += `  ${" ".repeat(gutter.length)} ${paint("dim", "|")} ${" ".repeat(Math.max(0, excerpt.column - 1))}${paint(d.severity === "warning" ? "yellow" : "red", "^")}\n`;
      }
    }
    if (d.hint !== undefined) out += `  ${paint("cyan", "hint:")} ${sanitize(d.hint)}\n`;
  }
  return out;
}

/** Source lines longer than this are shown as a window around the column. */
export const SOURCE_EXCERPT_WIDTH = 120;

/**
 * A window of a long source line around `column` (1-based), with "…" where it was cut, and the
 * column within the window: a minified or hostile file cannot make every diagnostic repeat a
 * 200 KB line.
 */
export function createSourceExcerpt(line: string, column: number): { text: string; column: number } {
  if (line.length <= SOURCE_EXCERPT_WIDTH) return { text: line, column };
  const half = Math.floor(SOURCE_EXCERPT_WIDTH / 2);
  const start = Math.max(0, Math.min(column - 1 - half, line.length - SOURCE_EXCERPT_WIDTH));
  const end = start + SOURCE_EXCERPT_WIDTH;
  const prefix = start > 0 ? "…" : "";
  const suffix = end < line.length ? "…" : "";
  return { text: `${prefix}${line.slice(start, end)}${suffix}`, column: column - start + prefix.length };
}

/**
 * JSON form: one object, `diagnostics` plus counts; `extra` adds command-specific fields (e.g.
 * validate's file and order counts). Ends with a newline. `compact`: on one line, for a stream of
 * JSON lines (`apply --json`), where it is the last line.
 */
export function renderDiagnosticsJson(
  diagnostics: readonly Diagnostic[],
  extra: Record<string, unknown> = {},
  options: { compact?: boolean } = {},
): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const body = {
    ...extra,
    ok: errors === 0,
    errors,
    warnings: diagnostics.length - errors,
    diagnostics: diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.hint === undefined ? {} : { hint: d.hint }),
      ...(d.file === undefined ? {} : { file: d.file }),
      ...(d.line === undefined ? {} : { line: d.line }),
      ...(d.column === undefined ? {} : { column: d.column }),
      // Long lines are cut to a window around the column (see createSourceExcerpt).
      ...(d.sourceLine === undefined
        ? {}
        : { sourceLine: createSourceExcerpt(d.sourceLine, d.column ?? 1).text }),
    })),
  };
  return `${options.compact === true ? JSON.stringify(body) : JSON.stringify(body, null, 2)}\n`;
}

/** "file:line:col", "file", or "" for project-wide diagnostics. */
function renderLocation(d: Diagnostic): string {
  if (d.file === undefined) return "";
  if (d.line === undefined) return d.file;
  return `${d.file}:${d.line}:${d.column ?? 1}`;
}

// Order files are user input: control characters (ANSI escapes) must not reach the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function sanitize(text: string): string {
  return text.replace(CONTROL, "?");
}
