/**
 * `orderform force-unlock LOCK_ID [--force]`: remove the lock with exactly this id. A holder still
 * running on this host is refused unless --force (see docs/state.md, "Lock").
 */
import { runForceUnlockOperation } from "../../operations/state.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, writeFailure, writeJsonResult } from "../options.js";

export async function runForceUnlock(
  ctx: CliContext,
  lockId: string,
  flags: { force?: boolean } = {},
): Promise<CommandResult> {
  const result = await runForceUnlockOperation(createOperationContext(ctx), {
    lockId,
    force: flags.force === true,
  });
  if (result.kind === "invalid") {
    writeFailure(ctx, result.diagnostics);
    return 1;
  }
  const { holder, running, checked } = result;
  if (ctx.global.json) {
    writeJsonResult(ctx, {
      ok: true,
      removed: lockId,
      holder,
      holderRunning: running,
      holderChecked: checked,
    });
    return 0;
  }
  ctx.stdout.write(
    running
      ? `Lock ${lockId} removed, although process ${holder.pid} on ${holder.host} is still running. That run is fenced out: at its next journal record or commit it fails with state.lock-lost, and from then on it starts no new order. The next run folds in what it recorded.\n`
      : checked
        ? `Lock ${lockId} removed. The next run folds in any journal the run that held it left.\n`
        : `Lock ${lockId} removed. Its holder (pid ${holder.pid} on ${holder.host}) could not be checked from here; if that run is still alive, it is fenced out: at its next journal record or commit it fails with state.lock-lost. The next run folds in what it recorded.\n`,
  );
  return 0;
}
