/** `orderform show [PLANFILE]`: a saved plan, or the current state. */
import type { CliContext, CommandResult } from "../context.js";
import { readPlanFile } from "../plan-file.js";
import { loadConfigForCommand, openStateStore, resolveFromCwd } from "../project.js";
import type { PlanFormat } from "./plan.js";
import { renderPlanIn } from "./plan.js";
import { renderStateText } from "../../render/state-text.js";

export async function runShow(
  ctx: CliContext,
  planfile: string | undefined,
  opts: Record<string, unknown>,
): Promise<CommandResult> {
  if (planfile !== undefined) {
    const plan = await readPlanFile(resolveFromCwd(ctx, planfile));
    const format: PlanFormat = ctx.global.json ? "json" : ((opts.format as PlanFormat | undefined) ?? "text");
    ctx.stdout.write(renderPlanIn(plan, format, ctx.global.color));
    return 0;
  }
  const loaded = await loadConfigForCommand(ctx);
  if (loaded === null) return 1;
  const state = await openStateStore(loaded).read();
  if (ctx.global.json) {
    ctx.stdout.write(JSON.stringify(state, null, 2) + "\n");
    return 0;
  }
  ctx.stdout.write(
    state === null
      ? "No state: nothing has been applied yet.\n"
      : renderStateText(state, { color: ctx.global.color }),
  );
  return 0;
}
