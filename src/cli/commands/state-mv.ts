/** `orderform state mv OLD NEW`: run the state mv operation (src/operations/state.ts). */
import { describeMoved, runStateMvOperation } from "../../operations/state.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeFailure, writeJsonResult } from "../options.js";

export async function runStateMv(
  ctx: CliContext,
  from: string,
  to: string,
  flags: { lockTimeout?: string },
): Promise<CommandResult> {
  const result = await runStateMvOperation(createOperationContext(ctx), {
    from,
    to,
    lockTimeoutMs: parseLockTimeout(flags.lockTimeout),
  });
  if (result.kind === "invalid") {
    writeFailure(ctx, result.diagnostics);
    return 1;
  }
  if (ctx.global.json) {
    writeJsonResult(ctx, {
      ok: true,
      moved: { from, to, ...(result.order?.orderId === undefined ? {} : { orderId: result.order.orderId }) },
    });
    return 0;
  }
  ctx.stdout.write(
    `Moved ${from} to ${to} (${describeMoved(result.order)}). Nothing was bought or cancelled.\n`,
  );
  return 0;
}
