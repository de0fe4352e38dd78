/**
 * The state operations (`state list | show | history | diff | mv | rm`, `force-unlock`): each
 * loads the config only, opens the state store it names, and reads, or changes one record under
 * the lock (nothing is bought or cancelled). docs/state.md.
 */
import { OrderformError } from "../core/errors.js";
import type { StateFile, StateOrder } from "../core/model.js";
import { selectOwnSlot, selectPendingUpdates } from "../core/state-journal.js";
import type { StateStore } from "../state/types.js";
import type { InvalidProject, OperationContext } from "./context.js";
import { isInvalid, loadUsableConfig } from "./load-project.js";
import { openStateStore } from "./project.js";

/** The state store the project's config names. */
export async function openProjectStateStore(ctx: OperationContext): Promise<StateStore | InvalidProject> {
  const loaded = await loadUsableConfig(ctx.location);
  return isInvalid(loaded) ? loaded : openStateStore(loaded, ctx);
}

/** Versions `older` (0: none) and `newer` of the state; `a` and `b` as given to `state diff`. */
export async function readStateVersions(
  store: StateStore,
  a?: string,
  b?: string,
): Promise<{ older: number; newer: number; before: StateFile | null; after: StateFile }> {
  const history = await store.listHistory();
  const latest = history.at(-1)?.serial;
  if (latest === undefined)
    throw new OrderformError("state.no-history", "the state has no history yet", {
      hint: "Run `orderform apply` first.",
    });
  const newer = b === undefined ? latest : parseSerial(b);
  const older = a === undefined ? newer - 1 : parseSerial(a);
  const before: StateFile | null = older <= 0 ? null : await store.readVersion(older);
  const after = await store.readVersion(newer);
  return { older, newer, before, after };
}

function parseSerial(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new OrderformError("state.invalid-serial", `not a state serial: ${text}`, {
      hint: "`orderform state history` lists the serials.",
    });
  return n;
}

function createNotFound(name: string): OrderformError {
  return new OrderformError("state.not-found", `no order named ${name} in state`, {
    hint: "`orderform state list` shows the names in state.",
  });
}

export interface StateRmOptions {
  name: string;
  /** Also forget a pending create whose outcome is unknown (`--force`). */
  force: boolean;
  lockTimeoutMs: number;
}

/** Stops tracking `name`; returns the order id it was bound to, if any (the order is not cancelled). */
export async function runStateRmOperation(
  ctx: OperationContext,
  options: StateRmOptions,
): Promise<InvalidProject | { kind: "removed"; orderId?: string }> {
  const { name } = options;
  const store = await openProjectStateStore(ctx);
  if (isInvalid(store)) return store;
  const session = await store.open(`state rm ${name}`, {
    timeoutMs: options.lockTimeoutMs,
    signal: ctx.signal,
  });
  try {
    const state = session.current();
    if (
      selectOwnSlot(state.orders, name) === undefined &&
      selectOwnSlot(state.pending, name) === undefined &&
      selectOwnSlot(state.failures, name) === undefined
    ) {
      throw createNotFound(name);
    }
    const intent = selectOwnSlot(state.pending, name);
    if (intent !== undefined && !options.force) {
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
    const update = selectPendingUpdates(state, name)[0];
    if (update !== undefined && !options.force) {
      // Forgetting it loses the record of a change that may have been made (docs/exactly-once.md).
      throw new OrderformError(
        "state.rm-pending",
        `${name} has a pending seat change (line item ${update.lineItemNumber}, ${update.from} -> ${update.to} seats, MS-RequestId ${update.requestId}, started ${update.startedAt}) whose outcome is unknown: it may have been made`,
        {
          hint: `Run \`orderform apply\` to finish it (it reads the subscription first). Only if you are sure it was not made, run \`orderform state rm ${name} --force\`.`,
        },
      );
    }
    const orderId = selectOwnSlot(state.orders, name)?.orderId;
    await session.append({ type: "forget", name });
    await session.commit({
      command: `state rm ${name}`,
      summary: `stopped tracking ${name}${orderId ? ` (order ${orderId}, not cancelled)` : ""}`,
    });
    return orderId === undefined ? { kind: "removed" } : { kind: "removed", orderId };
  } finally {
    await session.release();
  }
}

export interface StateMvOptions {
  from: string;
  to: string;
  lockTimeoutMs: number;
}

/**
 * Renames a record, as after renaming an order in its file: one state version. A pending create is
 * refused: its request id is derived from its name (docs/exactly-once.md), so it is finished under
 * the name it was started with; so is a started seat change. Returns the order moved (undefined: only its last failure).
 */
export async function runStateMvOperation(
  ctx: OperationContext,
  options: StateMvOptions,
): Promise<InvalidProject | { kind: "moved"; order?: StateOrder }> {
  const { from, to } = options;
  const loaded = await loadUsableConfig(ctx.location);
  if (isInvalid(loaded)) return loaded;
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
  const session = await (
    await openStateStore(loaded, ctx)
  ).open(`state mv ${from} ${to}`, {
    timeoutMs: options.lockTimeoutMs,
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
    // A started seat change is refused the same way: its request id was derived from this name
    // and is re-sent as it was, so it is finished here first. Recorded seat changes move with the
    // order record (docs/exactly-once.md, "Seat changes").
    const update = selectPendingUpdates(state, from)[0];
    if (update !== undefined) {
      throw new OrderformError(
        "state.mv-pending",
        `${from} has a pending seat change of lineItems[${update.lineItemNumber}] (subscription ${update.subscriptionId}, ${update.from} -> ${update.to} seats, MS-RequestId ${update.requestId}, started ${update.startedAt}) whose outcome is unknown`,
        {
          hint: `Run \`orderform apply\` first to finish it under its name (it reads the subscription and re-sends the same request id only if needed), then \`orderform state mv ${from} ${to}\`.`,
        },
      );
    }
    const order = selectOwnSlot(state.orders, from);
    if (order === undefined && selectOwnSlot(state.failures, from) === undefined) throw createNotFound(from);
    if (
      selectOwnSlot(state.orders, to) !== undefined ||
      selectOwnSlot(state.pending, to) !== undefined ||
      selectOwnSlot(state.failures, to) !== undefined ||
      selectPendingUpdates(state, to).length > 0
    ) {
      throw new OrderformError("state.mv-target-exists", `state already holds a record named ${to}`, {
        hint: `Choose another name, or remove that record first with \`orderform state rm ${to}\`.`,
      });
    }
    await session.append({ type: "move", from, to });
    await session.commit({
      command: `state mv ${from} ${to}`,
      summary: `renamed ${from} to ${to} (${describeMoved(order)})`,
    });
    return order === undefined ? { kind: "moved" } : { kind: "moved", order };
  } finally {
    await session.release();
  }
}

export function describeMoved(order: StateOrder | undefined): string {
  return order === undefined ? "its last failure" : `order ${order.orderId}`;
}

/** Removes the lock with exactly this id; a holder still running here is refused unless `force`. */
export async function runForceUnlockOperation(
  ctx: OperationContext,
  options: { lockId: string; force: boolean },
): Promise<InvalidProject | ({ kind: "unlocked" } & Awaited<ReturnType<StateStore["forceUnlock"]>>)> {
  const store = await openProjectStateStore(ctx);
  if (isInvalid(store)) return store;
  const outcome = await store.forceUnlock(options.lockId, { force: options.force });
  return { kind: "unlocked", ...outcome };
}
