/**
 * What the command modules share: the typed flags, the parse helpers that turn flag text into
 * operation options, the operation context for a command, and the rendering of diagnostics and
 * operation events. No engine logic lives here (docs/architecture.md, "Layers").
 */
import { parseDuration } from "../config/duration.js";
import type { Diagnostic } from "../core/errors.js";
import { OrderformError } from "../core/errors.js";
import type { OperationContext, OperationEvent } from "../operations/context.js";
import { renderDiagnostics, renderDiagnosticsJson } from "../render/diagnostics.js";
import type { CliContext } from "./context.js";

/** The flags plan and apply share (commander's `.opts()`). */
export interface PlanFlags {
  customer: string[];
  replace: string[];
  allowDuplicate: string[];
  lockTimeout: string;
  parallelism?: number;
}

/**
 * The diagnostics that made a command fail, for people on stderr. With --json they are also one JSON
 * document on stdout (the shape `validate --json` prints), so a script reading stdout gets JSON on
 * failure too; warnings that come while a command works stay on stderr only (writeDiagnostics).
 */
export function writeFailure(
  ctx: CliContext,
  diagnostics: Diagnostic[],
  options: { compact?: boolean } = {},
): void {
  if (ctx.global.json) ctx.stdout.write(renderDiagnosticsJson(diagnostics, {}, options));
  ctx.stderr.write(renderDiagnostics(diagnostics, { color: ctx.global.color }));
}

/** A command's success with --json: one JSON document on stdout. */
export function writeJsonResult(ctx: CliContext, result: Record<string, unknown>): void {
  ctx.stdout.write(JSON.stringify(result, null, 2) + "\n");
}

function writeDiagnostics(ctx: CliContext, diagnostics: Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  if (ctx.global.json) ctx.stderr.write(renderDiagnosticsJson(diagnostics) + "\n");
  else ctx.stderr.write(renderDiagnostics(diagnostics, { color: ctx.global.color }));
}

/**
 * The context an operation runs in for this command. Events the command does not render itself
 * (`onEvent`) are shown here: load warnings and state notices on stderr, list progress on a
 * terminal only.
 */
export function createOperationContext(
  ctx: CliContext,
  onEvent?: (event: OperationEvent) => void,
): OperationContext {
  const showProgress = ctx.stderr.isTTY === true && !ctx.global.json;
  return {
    location: { cwd: ctx.cwd, configPath: ctx.global.config, chdir: ctx.global.chdir },
    env: ctx.env,
    toolVersion: ctx.version,
    signal: ctx.signal,
    onEvent: (event) => {
      switch (event.type) {
        case "project-warnings":
          writeDiagnostics(ctx, event.diagnostics);
          break;
        case "state-notice":
          ctx.stderr.write(event.text);
          break;
        case "list-progress": {
          const { done, total } = event;
          if (showProgress && total >= 20 && (done % 10 === 0 || done === total)) {
            ctx.stderr.write(
              `\rReading orders of ${done}/${total} customers...${done === total ? "\n" : ""}`,
            );
          }
          break;
        }
        case "plan-ready":
          break;
        default: {
          const never: never = event;
          throw new Error(`unknown operation event ${JSON.stringify(never)}`);
        }
      }
      onEvent?.(event);
    },
  };
}

export function parseLockTimeout(value: string | undefined): number {
  const text = value ?? "0s";
  const ms = parseDuration(text);
  if (ms === null) {
    throw new OrderformError("cli.invalid-duration", `--lock-timeout: not a duration: ${text}`, {
      hint: "Use a number with a unit, e.g. 500ms, 30s, 2m, 1h.",
    });
  }
  return ms;
}
