/**
 * `orderform plan`: parse the flags, run the plan operation (src/operations/plan.ts), print the
 * plan. Exit codes follow Terraform: 0, 1 error, 2 changes with --detailed-exitcode.
 */
import { planHasChanges, planHasErrors, selectPlanRefresh } from "../../core/plan.js";
import type { PlanRefresh } from "../../core/plan.js";
import type { Plan } from "../../core/plan.js";
import { runPlanOperation } from "../../operations/plan.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { renderPlanMarkdown } from "../../render/plan-markdown.js";
import { renderPlanText } from "../../render/plan-text.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeDiagnostics } from "../options.js";
import type { PlanFlags } from "../options.js";

export type PlanFormat = "text" | "json" | "markdown";

export interface PlanCommandFlags extends PlanFlags {
  out?: string;
  format?: PlanFormat;
  detailedExitcode?: boolean;
  /** `--refresh=false` / `--refresh=true` (commander keeps the choice as given). */
  refresh?: "true" | "false";
  refreshOnly?: boolean;
}

export async function runPlan(ctx: CliContext, flags: PlanCommandFlags): Promise<CommandResult> {
  parseLockTimeout(flags.lockTimeout); // accepted for symmetry with apply; plan takes no lock
  const format: PlanFormat = ctx.global.json ? "json" : (flags.format ?? "text");
  const operation = createOperationContext(ctx, (event) => {
    // Printed as soon as it is made: a plan file that cannot be written does not hide the plan.
    if (event.type === "plan-ready") ctx.stdout.write(renderPlanIn(event.plan, format, ctx.global.color));
  });
  const result = await runPlanOperation(operation, {
    customers: flags.customer,
    replace: flags.replace,
    allowDuplicate: flags.allowDuplicate,
    refresh: selectRefresh(flags),
    parallelism: flags.parallelism,
    out: flags.out,
  });
  if (result.kind !== "planned") {
    writeDiagnostics(ctx, result.diagnostics);
    return 1;
  }
  const { plan, saved } = result;
  if (saved === "refused-errors") {
    ctx.stderr.write(
      `\nThe plan has errors, so it was not saved to ${flags.out ?? ""}. Fix them and plan again.\n`,
    );
    return 1;
  }
  if (saved === "yes" && format === "text") {
    ctx.stdout.write(
      `\nSaved the plan to: ${flags.out ?? ""}\n\nTo place exactly these orders, run:\n  orderform apply ${JSON.stringify(flags.out ?? "").slice(1, -1)}\n`,
    );
  }
  if (planHasErrors(plan)) return 1;
  // A refresh-only plan has nothing to apply; for a scheduled drift job, "changes" is drift.
  const changed = selectPlanRefresh(plan) === "only" ? plan.summary.drift > 0 : planHasChanges(plan);
  if (flags.detailedExitcode === true && changed) return 2;
  return 0;
}

/** main.ts refuses --refresh-only next to --refresh, so at most one of them is set. */
function selectRefresh(flags: PlanCommandFlags): PlanRefresh {
  if (flags.refreshOnly === true) return "only";
  return flags.refresh === "false" ? "skipped" : "full";
}

export function renderPlanIn(plan: Plan, format: PlanFormat, color: boolean): string {
  switch (format) {
    case "text":
      return renderPlanText(plan, { color });
    case "json":
      return renderPlanJson(plan);
    case "markdown":
      return renderPlanMarkdown(plan).join("\n\n") + "\n";
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
