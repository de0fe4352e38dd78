/** `orderform show [PLANFILE]`: a saved plan, or the current state. */
import { readPlanFile } from "../../operations/plan-file.js";
import { isInvalid } from "../../operations/load-project.js";
import { resolveFromLocation } from "../../operations/project.js";
import { openProjectStateStore } from "../../operations/state.js";
import { renderStateText } from "../../render/state-text.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, writeFailure } from "../options.js";
import type { PlanFormat } from "./plan.js";
import { renderPlanPieces } from "./plan.js";

export async function runShow(
  ctx: CliContext,
  planfile: string | undefined,
  flags: { format?: PlanFormat },
): Promise<CommandResult> {
  const operation = createOperationContext(ctx);
  if (planfile !== undefined) {
    const plan = await readPlanFile(resolveFromLocation(operation.location, planfile));
    const format: PlanFormat = ctx.global.json ? "json" : (flags.format ?? "text");
    for (const piece of renderPlanPieces(plan, format, ctx.global.color)) ctx.stdout.write(piece);
    return 0;
  }
  const store = await openProjectStateStore(operation);
  if (isInvalid(store)) {
    writeFailure(ctx, store.diagnostics);
    return 1;
  }
  const state = await store.read();
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
