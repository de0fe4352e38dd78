/**
 * `orderform plan`: read state (without taking the lock: a saved plan is pinned to the state's
 * lineage and serial, so a plan made while an apply runs is refused later as stale), fetch the
 * customers' orders, print the plan. Exit codes follow Terraform: 0, 1 error, 2 changes with
 * --detailed-exitcode.
 */
import { openPartnerCenter } from "../../partner-center/open.js";
import { planHasChanges, planHasErrors } from "../../core/planner.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { renderPlanMarkdown } from "../../render/plan-markdown.js";
import { renderPlanText } from "../../render/plan-text.js";
import type { Plan } from "../../core/plan.js";
import type { CliContext, CommandResult } from "../context.js";
import { fetchAndCreatePlan } from "../make-plan.js";
import { writePlanFile } from "../plan-file.js";
import {
  loadProjectForCommand,
  openStateStore,
  parseLockTimeout,
  parseParallelism,
  readStringList,
  resolveFromCwd,
  writeDiagnostics,
} from "../project.js";

export type PlanFormat = "text" | "json" | "markdown";

export async function runPlan(ctx: CliContext, opts: Record<string, unknown>): Promise<CommandResult> {
  parseLockTimeout(opts.lockTimeout); // accepted for symmetry with apply; plan takes no lock
  const project = await loadProjectForCommand(ctx);
  if (project === null) return 1;
  const parallelism = parseParallelism(opts.parallelism, project.loaded);
  const format: PlanFormat = ctx.global.json ? "json" : ((opts.format as PlanFormat | undefined) ?? "text");
  const state = await openStateStore(project.loaded).read();
  const pc = await openPartnerCenter(project.loaded, ctx.env, ctx.version);
  let plan: Plan | null;
  try {
    const result = await fetchAndCreatePlan({
      ctx,
      project,
      state,
      client: pc.client,
      customers: readStringList(opts.customer),
      replace: readStringList(opts.replace),
      parallelism,
    });
    if (result.plan === null) {
      writeDiagnostics(ctx, result.diagnostics);
      return 1;
    }
    plan = result.plan;
  } finally {
    await pc.close();
  }

  ctx.stdout.write(renderPlanIn(plan, format, ctx.global.color));
  if (typeof opts.out === "string") {
    const out = resolveFromCwd(ctx, opts.out);
    await writePlanFile(out, plan);
    if (format === "text") {
      ctx.stdout.write(
        `\nSaved the plan to: ${opts.out}\n\nTo place exactly these orders, run:\n  orderform apply ${JSON.stringify(opts.out).slice(1, -1)}\n`,
      );
    }
  }
  if (planHasErrors(plan)) return 1;
  if (opts.detailedExitcode === true && planHasChanges(plan)) return 2;
  return 0;
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
