/**
 * `orderform state migrate --to FILE`: run the state migrate operation
 * (src/operations/state-migrate.ts) and say what was copied and how to switch the project over.
 */
import { OrderformError } from "../../core/errors.js";
import { runStateMigrateOperation } from "../../operations/state-migrate.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeFailure, writeJsonResult } from "../options.js";

export async function runStateMigrate(
  ctx: CliContext,
  flags: { to?: string; lockTimeout?: string },
): Promise<CommandResult> {
  const to = flags.to ?? "";
  if (to === "") {
    throw new OrderformError(
      "cli.missing-option",
      "state migrate needs --to FILE, the config that names the target backend",
    );
  }
  const lockTimeoutMs = parseLockTimeout(flags.lockTimeout);
  const result = await runStateMigrateOperation(createOperationContext(ctx), { to, lockTimeoutMs });
  if (result.kind === "invalid") {
    writeFailure(ctx, result.diagnostics);
    return 1;
  }
  const { copied, firstSerial, lastSerial, lineage, target, recoveredSerial } = result;
  if (ctx.global.json) {
    writeJsonResult(ctx, {
      ok: true,
      copied,
      ...(copied === 0 ? {} : { firstSerial }),
      lastSerial,
      lineage,
      target: target.backend,
      ...(recoveredSerial === undefined ? {} : { recoveredSerial }),
    });
    return 0;
  }
  const what =
    copied === 0
      ? `Copied no state version: the ${target.backend} backend named in ${to} already holds this state at serial ${lastSerial} (lineage ${lineage}).`
      : `Copied ${copied} state version(s) (serials ${firstSerial}-${lastSerial}, lineage ${lineage}) to the ${target.backend} backend named in ${to}.`;
  ctx.stdout.write(
    `${what} ${
      recoveredSerial === undefined
        ? "The current state was left as it was."
        : `The current state was left as it was, except that taking its lock folded in the journal an earlier run had left (state version ${recoveredSerial}).`
    }\n` +
      `To switch the project over, replace the state section of its config with the one in ${to}, then run \`orderform plan\`: it should show no changes.\n`,
  );
  return 0;
}
