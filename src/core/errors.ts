/**
 * One error base class with stable codes. User problems travel as Diagnostics (returned, not
 * thrown); OrderformError is thrown only where a function cannot return (I/O edges) and is caught
 * by the CLI entry point, which alone prints it and sets the exit code.
 */

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: string; // stable, e.g. "order.duplicate-name"
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
  readonly code: string;
  readonly hint: string | undefined;
  readonly diagnostics: Diagnostic[];

  constructor(
    code: string,
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
  code: string,
  message: string,
  extra: Omit<Diagnostic, "code" | "message" | "severity"> & { severity?: Severity } = {},
): Diagnostic {
  return { severity: "error", ...extra, code, message };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
