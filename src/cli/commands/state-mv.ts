/**
 * `orderform state mv OLD NEW`: rename a record, as after renaming an order in its file. Takes the
 * lock and writes one state version; nothing is bought or cancelled. A pending create is refused:
 * its request id is derived from its name (docs/exactly-once.md), so it is finished under the name
 * it was started with.
 */
import { OrderformError } from "../../core/errors.js";
import { selectOwnSlot } from "../../core/state-journal.js";
import type { CliContext, CommandResult } from "../context.js";
import { loadConfigForCommand, openStateStore, parseLockTimeout } from "../project.js";

export async function runStateMv(
  ctx: CliContext,
  from: string,
  to: string,
  opts: Record<string, unknown>,
): Promise<CommandResult> {
  const loaded = await loadConfigForCommand(ctx);
  if (loaded === null) return 1;
  if (from === to) {
    throw new OrderformError("state.mv-same-name", `state mv: ${from} and ${to} are the same name`);
  }
  if (to.trim() === "" || to !== to.trim()) {
    throw new OrderformError(
      "state.mv-invalid-name",
      `state mv: ${JSON.stringify(to)} is not a valid order name`,
      {
        hint: "Use the `name:` of the order's declaration.",
      },
    );
  }
  const session = await openStateStore(loaded, ctx).open(`state mv ${from} ${to}`, {
    timeoutMs: parseLockTimeout(opts.lockTimeout),
    signal: ctx.signal,
  });
  try {
    const state = session.current();
    const intent = selectOwnSlot(state.pending, from);
    if (intent !== undefined) {
      throw new OrderformError(
        "state.mv-pending",
        `${from} has a pending create (MS-RequestId ${intent.requestId}, started ${intent.startedAt}) whose outcome is unknown`,
        {
          hint: `Run \`orderform apply\` first to finish it under its name, then \`orderform state mv ${from} ${to}\`.`,
        },
      );
    }
    const order = selectOwnSlot(state.orders, from);
    if (order === undefined && selectOwnSlot(state.failures, from) === undefined) {
      throw new OrderformError("state.not-found", `no order named ${from} in state`, {
        hint: "`orderform state list` shows the names in state.",
      });
    }
    if (
      selectOwnSlot(state.orders, to) !== undefined ||
      selectOwnSlot(state.pending, to) !== undefined ||
      selectOwnSlot(state.failures, to) !== undefined
    ) {
      throw new OrderformError("state.mv-target-exists", `state already holds a record named ${to}`, {
        hint: `Choose another name, or remove that record first with \`orderform state rm ${to}\`.`,
      });
    }
    await session.append({ type: "move", from, to });
    const what = order === undefined ? "its last failure" : `order ${order.orderId}`;
    await session.commit({
      command: `state mv ${from} ${to}`,
      summary: `renamed ${from} to ${to} (${what})`,
    });
    ctx.stdout.write(`Moved ${from} to ${to} (${what}). Nothing was bought or cancelled.\n`);
    return 0;
  } finally {
    await session.release();
  }
}
