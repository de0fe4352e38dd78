/**
 * `orderform plan`: parse the flags, run the plan operation (src/operations/plan.ts), print the
 * plan. Exit codes follow Terraform: 0, 1 error, 2 changes with --detailed-exitcode.
 */
import { planHasChanges, planHasErrors, selectPlanRefresh } from "../../core/plan.js";
import type { PlanRefresh } from "../../core/plan.js";
import type { Plan } from "../../core/plan.js";
import { resolve, posix } from "node:path";
import { runPlanOperation } from "../../operations/plan.js";
import { appendStepSummary, writeMarkdownParts } from "../../operations/plan-markdown-files.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { renderPlanMarkdown } from "../../render/plan-markdown.js";
import { renderPlanText, renderPlanTextChunks } from "../../render/plan-text.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeFailure } from "../options.js";
import type { PlanFlags } from "../options.js";

export type PlanFormat = "text" | "json" | "markdown";

export interface PlanCommandFlags extends PlanFlags {
  out?: string;
  format?: PlanFormat;
  detailedExitcode?: boolean;
  /** `--refresh=false` / `--refresh=true` (commander keeps the choice as given). */
  refresh?: "true" | "false";
  refreshOnly?: boolean;
  markdownOut?: string;
  markdownId?: string;
}

export async function runPlan(ctx: CliContext, flags: PlanCommandFlags): Promise<CommandResult> {
  parseLockTimeout(flags.lockTimeout); // accepted for symmetry with apply; plan takes no lock
  const format: PlanFormat = ctx.global.json ? "json" : (flags.format ?? "text");
  const operation = createOperationContext(ctx, (event) => {
    // Printed as soon as it is made: a plan file that cannot be written does not hide the plan.
    if (event.type === "plan-ready")
      for (const piece of renderPlanPieces(event.plan, format, ctx.global.color, flags.markdownId))
        ctx.stdout.write(piece);
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
    writeFailure(ctx, result.diagnostics);
    return 1;
  }
  const { plan, saved } = result;
  await writePullRequestMarkdown(ctx, plan, flags);
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

/** The program (program.ts) refuses --refresh-only next to --refresh, so at most one of them is set. */
function selectRefresh(flags: PlanCommandFlags): PlanRefresh {
  if (flags.refreshOnly === true) return "only";
  return flags.refresh === "false" ? "skipped" : "full";
}

/**
 * The markdown for a pull request, beside what stdout shows: the parts as files (`--markdown-out`)
 * and the GitHub Actions step summary (when `GITHUB_STEP_SUMMARY` names one), each part with its
 * hidden marker.
 */
async function writePullRequestMarkdown(ctx: CliContext, plan: Plan, flags: PlanCommandFlags): Promise<void> {
  const summaryFile = ctx.env.GITHUB_STEP_SUMMARY ?? "";
  if (flags.markdownOut === undefined && summaryFile === "") return;
  const parts = renderPlanMarkdown(plan, { marker: flags.markdownId ?? createMarkdownId(ctx) });
  if (flags.markdownOut !== undefined) {
    await writeMarkdownParts(resolve(ctx.cwd, ctx.global.chdir ?? ".", flags.markdownOut), parts);
  }
  if (summaryFile !== "") await appendStepSummary(summaryFile, parts);
}

/**
 * The plan's id in the markdown marker when --markdown-id is not given: the project as the command
 * line names it (`--chdir` and `--config`), so two plans of one repository (say `--chdir prod` and
 * `--chdir test`) mark their comments apart, and the same command marks them alike on every run.
 */
function createMarkdownId(ctx: CliContext): string {
  const named = [ctx.global.chdir, ctx.global.config].filter((p): p is string => p !== undefined);
  return named.length === 0 ? "." : posix.normalize(named.join("/").replaceAll("\\", "/"));
}

/**
 * The plan in `format`, in pieces to write one after the other: the text in pieces of about 64 KB
 * (renderPlanTextChunks), the other formats whole.
 */
export function renderPlanPieces(
  plan: Plan,
  format: PlanFormat,
  color: boolean,
  markdownId?: string,
): Iterable<string> {
  return format === "text"
    ? renderPlanTextChunks(plan, { color })
    : [renderPlanIn(plan, format, color, markdownId)];
}

export function renderPlanIn(plan: Plan, format: PlanFormat, color: boolean, markdownId?: string): string {
  switch (format) {
    case "text":
      return renderPlanText(plan, { color });
    case "json":
      return renderPlanJson(plan);
    case "markdown":
      return (
        renderPlanMarkdown(plan, markdownId === undefined ? {} : { marker: markdownId }).join("\n\n") + "\n"
      );
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
