/** `orderform state list | show NAME | history | diff [A] [B] | rm NAME`: render what the state operations read. */
import { createTwoFilesPatch } from "diff";
import { selectRecordedName } from "../../core/customer-names.js";
import { OrderformError } from "../../core/errors.js";
import type { StateFile } from "../../core/model.js";
import { selectOwnSlot, selectPendingUpdates } from "../../core/state-journal.js";
import { isInvalid } from "../../operations/load-project.js";
import { openProjectStateStore, readStateVersions, runStateRmOperation } from "../../operations/state.js";
import {
  createHistoryJson,
  createStateOrderJson,
  renderDamagedHistoryWarning,
  renderHistory,
  renderStateList,
  renderStateOrder,
} from "../../render/state-text.js";
import type { StateStore } from "../../state/types.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeFailure, writeJsonResult } from "../options.js";

async function openStore(ctx: CliContext): Promise<StateStore | null> {
  const store = await openProjectStateStore(createOperationContext(ctx));
  if (!isInvalid(store)) return store;
  writeFailure(ctx, store.diagnostics);
  return null;
}

export async function runStateList(ctx: CliContext): Promise<CommandResult> {
  const store = await openStore(ctx);
  if (store === null) return 1;
  const state = await store.read();
  if (ctx.global.json) {
    const orders = Object.values(state?.orders ?? {}).map((o) => ({
      name: o.name,
      customer: o.customer,
      ...companyNameOf(state, o.customer),
      orderId: o.orderId,
      status: o.status,
    }));
    const pending = Object.values(state?.pending ?? {}).map((p) => ({
      name: p.name,
      customer: p.customer,
      requestId: p.requestId,
    }));
    ctx.stdout.write(JSON.stringify({ orders, pending }, null, 2) + "\n");
  } else ctx.stdout.write(renderStateList(state));
  return 0;
}

/** `{companyName}` when state keeps the customer's name, else nothing (state list --json). */
function companyNameOf(state: StateFile | null, customer: string): { companyName?: string } {
  const companyName = selectRecordedName(state, customer);
  return companyName === undefined ? {} : { companyName };
}

export async function runStateShow(ctx: CliContext, name: string): Promise<CommandResult> {
  const store = await openStore(ctx);
  if (store === null) return 1;
  const state = await store.read();
  const order = selectOwnSlot(state?.orders, name);
  const intent = selectOwnSlot(state?.pending, name);
  if (order === undefined && intent === undefined) {
    throw new OrderformError("state.not-found", `no order named ${name} in state`, {
      hint: "`orderform state list` shows the names in state.",
    });
  }
  // The clock is read here, at the edge; the renderers only compare against it.
  const nowMs = Date.now();
  const pending = selectPendingUpdates(state, name);
  const record = order === undefined ? intent : createStateOrderJson(order, nowMs, pending);
  if (ctx.global.json) ctx.stdout.write(JSON.stringify(record, null, 2) + "\n");
  else if (order !== undefined)
    ctx.stdout.write(renderStateOrder(order, nowMs, pending, selectRecordedName(state, order.customer)));
  else ctx.stdout.write(`# ${name} (pending intent)\n${JSON.stringify(intent, null, 2)}\n`);
  return 0;
}

/** Damaged history files are listed (marked) and skipped, with a warning; the exit code stays 0. */
export async function runStateHistory(ctx: CliContext): Promise<CommandResult> {
  const store = await openStore(ctx);
  if (store === null) return 1;
  const { entries, damaged } = await store.readHistoryListing();
  ctx.stdout.write(
    ctx.global.json
      ? JSON.stringify(createHistoryJson(entries, damaged), null, 2) + "\n"
      : renderHistory(entries, damaged),
  );
  if (damaged.length > 0) ctx.stderr.write(renderDamagedHistoryWarning(damaged));
  return 0;
}

export async function runStateDiff(ctx: CliContext, a?: string, b?: string): Promise<CommandResult> {
  const store = await openStore(ctx);
  if (store === null) return 1;
  const { older, newer, before, after } = await readStateVersions(store, a, b);
  if (ctx.global.json) {
    writeJsonResult(ctx, { older: Math.max(0, older), newer, before, after });
    return 0;
  }
  ctx.stdout.write(
    createTwoFilesPatch(
      older <= 0 ? "(no state)" : `serial ${older}`,
      `serial ${newer}`,
      before === null ? "" : JSON.stringify(before, null, 2) + "\n",
      JSON.stringify(after, null, 2) + "\n",
    ),
  );
  return 0;
}

export async function runStateRm(
  ctx: CliContext,
  name: string,
  flags: { lockTimeout?: string; force?: boolean },
): Promise<CommandResult> {
  const result = await runStateRmOperation(createOperationContext(ctx), {
    name,
    force: flags.force === true,
    lockTimeoutMs: parseLockTimeout(flags.lockTimeout),
  });
  if (result.kind === "invalid") {
    writeFailure(ctx, result.diagnostics);
    return 1;
  }
  const { orderId } = result;
  if (ctx.global.json) {
    writeJsonResult(ctx, { ok: true, removed: name, ...(orderId ? { orderId } : {}) });
    return 0;
  }
  ctx.stdout.write(
    `Removed ${name} from state. Nothing was cancelled in Partner Center${orderId ? `; order ${orderId} still exists` : ""}.\n`,
  );
  return 0;
}
