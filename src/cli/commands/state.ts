/** `orderform state list | show NAME | history | diff [A] [B] | rm NAME`. */
import { createTwoFilesPatch } from "diff";
import { OrderformError } from "../../core/errors.js";
import { selectOwnSlot } from "../../core/state-journal.js";
import type { StateFile } from "../../core/model.js";
import {
  createHistoryJson,
  renderDamagedHistoryWarning,
  renderHistory,
  renderStateList,
  renderStateOrder,
} from "../../render/state-text.js";
import type { StateStore } from "../../state/types.js";
import type { CliContext, CommandResult } from "../context.js";
import { loadConfigForCommand, openStateStore, parseLockTimeout } from "../project.js";

async function openStore(ctx: CliContext): Promise<StateStore | null> {
  const loaded = await loadConfigForCommand(ctx);
  return loaded === null ? null : openStateStore(loaded, ctx);
}

export async function runStateList(ctx: CliContext): Promise<CommandResult> {
  const store = await openStore(ctx);
  if (store === null) return 1;
  const state = await store.read();
  if (ctx.global.json) {
    const orders = Object.values(state?.orders ?? {}).map((o) => ({
      name: o.name,
      customer: o.customer,
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
  if (ctx.global.json) ctx.stdout.write(JSON.stringify(order ?? intent, null, 2) + "\n");
  else if (order !== undefined) ctx.stdout.write(renderStateOrder(order));
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
  const history = await store.listHistory();
  const latest = history.at(-1)?.serial;
  if (latest === undefined)
    throw new OrderformError("state.no-history", "the state has no history yet", {
      hint: "Run `orderform apply` first.",
    });
  const newer = b === undefined ? (a === undefined ? latest : latest) : parseSerial(b);
  const older = a === undefined ? newer - 1 : parseSerial(a);
  const before: StateFile | null = older <= 0 ? null : await store.readVersion(older);
  const after = await store.readVersion(newer);
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

function parseSerial(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new OrderformError("state.invalid-serial", `not a state serial: ${text}`, {
      hint: "`orderform state history` lists the serials.",
    });
  return n;
}

export async function runStateRm(
  ctx: CliContext,
  name: string,
  opts: Record<string, unknown>,
): Promise<CommandResult> {
  const store = await openStore(ctx);
  if (store === null) return 1;
  const session = await store.open(`state rm ${name}`, {
    timeoutMs: parseLockTimeout(opts.lockTimeout),
    signal: ctx.signal,
  });
  try {
    const state = session.current();
    if (
      selectOwnSlot(state.orders, name) === undefined &&
      selectOwnSlot(state.pending, name) === undefined &&
      selectOwnSlot(state.failures, name) === undefined
    ) {
      throw new OrderformError("state.not-found", `no order named ${name} in state`, {
        hint: "`orderform state list` shows the names in state.",
      });
    }
    const intent = selectOwnSlot(state.pending, name);
    if (intent !== undefined && opts.force !== true) {
      // Forgetting an intent loses the only link to an order that may exist: the next apply would
      // send a new request id and could buy it a second time.
      throw new OrderformError(
        "state.rm-pending",
        `${name} has a pending create (MS-RequestId ${intent.requestId}, started ${intent.startedAt}) whose outcome is unknown: it may have been bought`,
        {
          hint: `Run \`orderform apply\` to resume it with the same request id (it is then recorded or adopted). Only if you are sure no order exists, run \`orderform state rm ${name} --force\`.`,
        },
      );
    }
    const orderId = selectOwnSlot(state.orders, name)?.orderId;
    await session.append({ type: "forget", name });
    await session.commit({
      command: `state rm ${name}`,
      summary: `stopped tracking ${name}${orderId ? ` (order ${orderId}, not cancelled)` : ""}`,
    });
    ctx.stdout.write(
      `Removed ${name} from state. Nothing was cancelled in Partner Center${orderId ? `; order ${orderId} still exists` : ""}.\n`,
    );
    return 0;
  } finally {
    await session.release();
  }
}
