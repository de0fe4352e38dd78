/** `orderform force-unlock LOCK_ID`: remove a lock left by a killed run (only the exact id given). */
import type { CliContext, CommandResult } from "../context.js";
import { loadConfigForCommand, openStateStore } from "../project.js";

export async function runForceUnlock(ctx: CliContext, lockId: string): Promise<CommandResult> {
  const loaded = await loadConfigForCommand(ctx);
  if (loaded === null) return 1;
  await openStateStore(loaded).forceUnlock(lockId);
  ctx.stdout.write(`Lock ${lockId} removed. The next run folds any journal the killed run left.\n`);
  return 0;
}
