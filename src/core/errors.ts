/**
 * One error base class with stable codes. User problems travel as Diagnostics (returned, not
 * thrown); OrderformError is thrown only where a function cannot return (I/O edges) and is caught
 * by the CLI entry point, which alone prints it and sets the exit code.
 * Every code is registered in ./error-codes.ts.
 */
import type { ErrorCode } from "./error-codes.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: ErrorCode; // stable, e.g. "order.duplicate-name"
  severity: Severity;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
  column?: number;
  /** The offending source line, for display under the diagnostic. */
  sourceLine?: string;
}

export class OrderformError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly diagnostics: Diagnostic[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; diagnostics?: Diagnostic[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OrderformError";
    this.code = code;
    this.hint = options.hint;
    this.diagnostics = options.diagnostics ?? [];
  }
}

export function createDiagnostic(
  code: ErrorCode,
  message: string,
  extra: Omit<Diagnostic, "code" | "message" | "severity"> & { severity?: Severity } = {},
): Diagnostic {
  return { severity: "error", ...extra, code, message };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
