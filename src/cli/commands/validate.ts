/**
 * `orderform validate`: load the config and every order file, print each diagnostic and a
 * summary, exit 1 on any error. Talks to no API and writes nothing.
 */
import { hasErrors } from "../../core/errors.js";
import { loadProject } from "../../operations/load-project.js";
import { renderDiagnostics, renderDiagnosticsJson } from "../../render/diagnostics.js";
import type { CliContext, CommandResult } from "../context.js";

export async function runValidate(ctx: CliContext): Promise<CommandResult> {
  const project = await loadProject({ cwd: ctx.cwd, configPath: ctx.global.config, chdir: ctx.global.chdir });
  const failed = hasErrors(project.diagnostics);
  if (ctx.global.json) {
    ctx.stdout.write(
      renderDiagnosticsJson(project.diagnostics, {
        config: project.loaded?.filepath ?? null,
        files: project.files.length,
        orders: project.orders.length,
      }),
    );
    return failed ? 1 : 0;
  }
  // Like tsc and eslint, findings go to stdout (they are the command's output, not a crash).
  ctx.stdout.write(renderDiagnostics(project.diagnostics, { color: ctx.global.color }));
  ctx.stdout.write(`${createSummary(project.diagnostics, project.files.length, project.orders.length)}\n`);
  return failed ? 1 : 0;
}

function createSummary(diagnostics: readonly { severity: string }[], files: number, orders: number): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const counted = `${orders} ${orders === 1 ? "order" : "orders"} in ${files} ${files === 1 ? "file" : "files"}`;
  const warned = warnings > 0 ? `, ${warnings} ${warnings === 1 ? "warning" : "warnings"}` : "";
  if (errors > 0)
    return `Validation failed: ${errors} ${errors === 1 ? "error" : "errors"}${warned} (${counted} valid).`;
  return `Valid: ${counted}${warned}.`;
}
