/**
 * `orderform apply [PLANFILE]`: parse the flags, run the apply operation (src/operations/apply.ts),
 * and render what it reports: the plan made now, the approval prompt, progress and the outcome.
 */
import { createInterface } from "node:readline/promises";
import type { ApplySummary } from "../../apply/events.js";
import { describeApplySummary, runApplyOperation } from "../../operations/apply.js";
import type { ApplyRefresh, Approval } from "../../operations/apply.js";
import { renderPlanTextChunks } from "../../render/plan-text.js";
import { createProgressReporter } from "../apply-progress.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeFailure } from "../options.js";
import type { PlanFlags } from "../options.js";

export interface ApplyCommandFlags extends PlanFlags {
  autoApprove?: boolean;
  /** `--refresh=false` / `--refresh=true`, as plan takes it (commander keeps the choice as given). */
  refresh?: "true" | "false";
}

export async function runApply(
  ctx: CliContext,
  planfile: string | undefined,
  flags: ApplyCommandFlags,
): Promise<CommandResult> {
  const lockTimeoutMs = parseLockTimeout(flags.lockTimeout);
  const approval: Approval =
    flags.autoApprove === true
      ? { mode: "auto" }
      : ctx.stdinIsTTY
        ? { mode: "ask", ask: () => askApproval(ctx) }
        : { mode: "unavailable" };
  const operation = createOperationContext(ctx, (event) => {
    if (event.type === "plan-ready" && !ctx.global.json) {
      for (const piece of renderPlanTextChunks(event.plan, { color: ctx.global.color }))
        ctx.stdout.write(piece);
    }
  });
  const result = await runApplyOperation(operation, {
    planfile,
    customers: flags.customer,
    replace: flags.replace,
    allowDuplicate: flags.allowDuplicate,
    refresh: selectApplyRefresh(flags.refresh),
    parallelism: flags.parallelism,
    lockTimeoutMs,
    approval,
    startProgress: (work) => createProgressReporter(ctx, work),
  });
  switch (result.kind) {
    case "invalid":
    case "failed":
      // One line: with --json, stdout is a stream of JSON lines.
      writeFailure(ctx, result.diagnostics, { compact: true });
      return 1;
    case "plan-has-errors":
      if (ctx.global.json) writeFailure(ctx, result.plan.diagnostics, { compact: true });
      else ctx.stderr.write("Error: the plan has errors; nothing was bought.\n");
      return 1;
    case "no-changes":
      return 0;
    case "cancelled":
      ctx.stdout.write("\nApply cancelled. Nothing was bought.\n");
      return 1;
    case "applied": {
      const { summary } = result;
      if (!ctx.global.json) writeOutcome(ctx, summary);
      return summary.failed > 0 || summary.pending > 0 || summary.skipped > 0 ? 1 : 0;
    }
    default: {
      const never: never = result;
      throw new Error(`unknown apply result ${JSON.stringify(never)}`);
    }
  }
}

/** Undefined when the flag is absent: only a given `--refresh` is refused next to a saved plan. */
function selectApplyRefresh(flag: "true" | "false" | undefined): ApplyRefresh | undefined {
  if (flag === undefined) return undefined;
  return flag === "false" ? "skipped" : "full";
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

function writeOutcome(ctx: CliContext, summary: ApplySummary): void {
  const complete = summary.failed === 0 && summary.pending === 0 && summary.skipped === 0;
  ctx.stdout.write(
    `\n${complete ? "Apply complete!" : "Apply finished with problems."} Orders: ${describeApplySummary(summary)}.\n`,
  );
  if (summary.pending > 0) {
    ctx.stdout.write(
      "Orders whose outcome is unknown are kept as pending intents; run `orderform apply` again to resume them with the same request id.\n",
    );
  }
}
