/**
 * `orderform apply [PLANFILE]`. Takes the state's write lock for the whole run (docs/state.md,
 * "Lock"), so the plan it executes cannot go stale underneath it. A saved plan is refused unless the
 * state's lineage and serial are exactly those it was made against, including "no state yet"
 * (docs/exactly-once.md, "Saved plans"; Terraform's terraform#24078 is the failure this avoids).
 */
import { createInterface } from "node:readline/promises";
import { applyPlan, recordStatusChanges, selectApplyWork } from "../../apply/applier.js";
import type { ApplySummary } from "../../apply/events.js";
import { OrderformError } from "../../core/errors.js";
import type { Plan } from "../../core/plan.js";
import { fetchCheckedSavedPlan } from "../saved-plan-gate.js";
import { planHasChanges, planHasErrors } from "../../core/planner.js";
import { openPartnerCenter } from "../open-partner-center.js";
import { renderPlanText } from "../../render/plan-text.js";
import type { StateSession } from "../../state/types.js";
import { createProgressReporter } from "../apply-progress.js";
import { checkCustomerFilter } from "../customer-filter.js";
import type { CliContext, CommandResult } from "../context.js";
import { fetchAndCreatePlan } from "../make-plan.js";
import { contentOf, diffContent } from "../../core/compare.js";
import { readPlanFile } from "../plan-file.js";
import {
  loadProjectForCommand,
  openStateStore,
  parseLockTimeout,
  parseParallelism,
  readStringList,
  resolveFromCwd,
  writeDiagnostics,
  type Project,
} from "../project.js";

export async function runApply(
  ctx: CliContext,
  planfile: string | undefined,
  opts: Record<string, unknown>,
): Promise<CommandResult> {
  const lockTimeoutMs = parseLockTimeout(opts.lockTimeout);
  const savedPlan = planfile === undefined ? null : await readPlanFile(resolveFromCwd(ctx, planfile));
  const project = await loadProjectForCommand(ctx);
  if (project === null) return 1;
  const loaded = project.loaded;
  if (savedPlan !== null) refuseUnsafeSavedPlan(savedPlan, project, opts, planfile ?? "");
  const parallelism = parseParallelism(opts.parallelism, loaded);
  if (savedPlan === null && !ctx.stdinIsTTY && opts.autoApprove !== true) {
    throw new OrderformError(
      "apply.approval-required",
      "apply needs approval, and there is no terminal to ask on",
      {
        hint: "Run `orderform apply --auto-approve`, or save a reviewed plan with `orderform plan --out FILE` and run `orderform apply FILE`.",
      },
    );
  }

  const session = await openStateStore(loaded, ctx).open(
    planfile === undefined ? "apply" : `apply ${planfile}`,
    {
      timeoutMs: lockTimeoutMs,
      signal: ctx.signal,
    },
  );
  const badCustomers = checkCustomerFilter(readStringList(opts.customer), project.orders, session.current());
  if (badCustomers.length > 0) {
    await session.release();
    writeDiagnostics(ctx, badCustomers);
    return 1;
  }
  const pc = await openPartnerCenter(loaded, ctx.env, ctx.version).catch(async (error: unknown) => {
    await session.release();
    throw error;
  });
  let failed = false;
  try {
    let plan: Plan;
    if (savedPlan !== null) {
      refuseStalePlan(savedPlan, session, planfile ?? "");
      plan = await fetchCheckedSavedPlan(savedPlan, {
        project,
        state: session.current(),
        client: pc.client,
        parallelism,
        signal: ctx.signal,
        planfile: planfile ?? "",
        toolVersion: ctx.version,
      });
    } else {
      const result = await fetchAndCreatePlan({
        ctx,
        project,
        state: session.current().serial === 0 ? null : session.current(),
        client: pc.client,
        customers: readStringList(opts.customer),
        replace: readStringList(opts.replace),
        allowDuplicate: readStringList(opts.allowDuplicate),
        parallelism,
      });
      if (result.plan === null) {
        writeDiagnostics(ctx, result.diagnostics);
        return 1;
      }
      plan = result.plan;
      if (!ctx.global.json) ctx.stdout.write(renderPlanText(plan, { color: ctx.global.color }));
      if (planHasErrors(plan)) {
        ctx.stderr.write("Error: the plan has errors; nothing was bought.\n");
        return 1;
      }
      if (!planHasChanges(plan)) {
        // Nothing to buy, but statuses seen while planning (pending -> completed) are still recorded.
        await recordStatusChanges(plan, session);
        await session.commit({ command: "apply", summary: "no changes; order statuses refreshed" });
        return 0;
      }
      if (opts.autoApprove !== true && !(await askApproval(ctx))) {
        ctx.stdout.write("\nApply cancelled. Nothing was bought.\n");
        return 1;
      }
    }

    const summary = await runApplyWork(ctx, plan, session, pc.client, {
      parallelism,
      visibilityWindowMs: loaded.config.visibilityWindowMs,
    });
    await session.commit({
      command: planfile === undefined ? "apply" : `apply ${planfile}`,
      summary: describeSummary(summary),
    });
    if (!ctx.global.json) writeOutcome(ctx, summary);
    return summary.failed > 0 || summary.pending > 0 || summary.skipped > 0 ? 1 : 0;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await pc.close();
    // After a failure, the lock is released where possible; a failed release does not hide that
    // failure (the next run on this host takes a lock left by an exited run over).
    await session.release().catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
}

/**
 * A saved plan is applied exactly as saved, so it must still describe this project: no flags that
 * would change it, no errors in it, and every create it holds declared here with the same content
 * (a plan carried to another project, or made before the files were edited, is refused).
 */
function refuseUnsafeSavedPlan(
  plan: Plan,
  project: Project,
  opts: Record<string, unknown>,
  planfile: string,
): void {
  const hint = "Run `orderform plan --out FILE` again, review it, and apply the new plan.";
  if (
    readStringList(opts.customer).length > 0 ||
    readStringList(opts.replace).length > 0 ||
    readStringList(opts.allowDuplicate).length > 0
  ) {
    throw new OrderformError(
      "apply.plan-flags",
      "--customer, --replace and --allow-duplicate shape a plan; a saved plan is applied exactly as it was made",
      { hint: "Pass them to `orderform plan --out FILE` instead." },
    );
  }
  if (planHasErrors(plan)) {
    throw new OrderformError(
      "apply.plan-has-errors",
      `the saved plan ${planfile} has errors (conflicts); it cannot be applied`,
      {
        hint,
      },
    );
  }
  for (const action of plan.actions) {
    if (action.kind !== "create") continue;
    const declared = project.orders.find((order) => order.name === action.name);
    const differences = declared === undefined ? [] : diffContent(contentOf(declared), action.content);
    if (declared === undefined || differences.length > 0) {
      throw new OrderformError(
        "apply.plan-mismatch",
        `the saved plan ${planfile} creates ${action.name}, which ${declared === undefined ? "is not declared in this project" : "is declared differently now"}`,
        { hint },
      );
    }
  }
}

function refuseStalePlan(plan: Plan, session: StateSession, planfile: string): void {
  const current = session.current();
  const stateExists = current.serial > 0;
  const hint = "Run `orderform plan --out FILE` again, review it, and apply the new plan.";
  if (plan.state.lineage === null) {
    if (stateExists) {
      throw new OrderformError(
        "apply.stale-plan",
        `the saved plan ${planfile} was made when there was no state, but state now exists (serial ${current.serial})`,
        { hint },
      );
    }
    return;
  }
  if (plan.state.lineage !== current.lineage) {
    throw new OrderformError(
      "apply.stale-plan",
      `the saved plan ${planfile} was made against state lineage ${plan.state.lineage}, but the state's lineage is ${current.lineage}`,
      { hint },
    );
  }
  if (plan.state.serial !== current.serial) {
    throw new OrderformError(
      "apply.stale-plan",
      `the saved plan ${planfile} is stale: it was made against state serial ${plan.state.serial}, and the state is now at serial ${current.serial}`,
      { hint },
    );
  }
}

async function runApplyWork(
  ctx: CliContext,
  plan: Plan,
  session: StateSession,
  client: Parameters<typeof applyPlan>[0]["client"],
  settings: { parallelism: number; visibilityWindowMs: number },
): Promise<ApplySummary> {
  const work = selectApplyWork(plan);
  const reporter = createProgressReporter(
    ctx,
    work.map((action) => ({ name: action.name, customer: action.customer, mode: action.kind })),
  );
  try {
    return await applyPlan({
      plan,
      session,
      client,
      parallelism: settings.parallelism,
      stopSignal: ctx.signal,
      now: () => new Date(),
      onEvent: (event) => reporter.onEvent(event),
      visibilityWindowMs: settings.visibilityWindowMs,
    });
  } finally {
    await reporter.finish();
  }
}

async function askApproval(ctx: CliContext): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: ctx.stdout });
  try {
    const answer = await rl.question(
      "\nDo you want to place these orders?\n  orderform will buy exactly the orders shown above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
    );
    return answer.trim() === "yes";
  } finally {
    rl.close();
  }
}

function describeSummary(summary: ApplySummary): string {
  return `${summary.created} created, ${summary.adopted} adopted, ${summary.failed} failed, ${summary.pending} pending, ${summary.skipped} skipped`;
}

function writeOutcome(ctx: CliContext, summary: ApplySummary): void {
  const complete = summary.failed === 0 && summary.pending === 0 && summary.skipped === 0;
  ctx.stdout.write(
    `\n${complete ? "Apply complete!" : "Apply finished with problems."} Orders: ${describeSummary(summary)}.\n`,
  );
  if (summary.pending > 0) {
    ctx.stdout.write(
      "Orders whose outcome is unknown are kept as pending intents; run `orderform apply` again to resume them with the same request id.\n",
    );
  }
}
