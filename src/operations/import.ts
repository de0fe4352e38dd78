/**
 * The import operation: bind an existing Partner Center order to a declared order, under the state
 * lock, after the rules in src/core/import-rules.ts allow it. The order's subscriptions are read
 * with it: the declaration states the seats the partner has now, and the record notes the seats
 * changed since the order was placed as observed (src/core/observed-seats.ts).
 */
import { createStateOrder } from "../apply/applier.js";
import { DEFAULT_CLOCK_SKEW_MS } from "../core/adoption.js";
import { createCustomerEntries, selectRecordedName } from "../core/customer-names.js";
import { OrderformError } from "../core/errors.js";
import { checkImportMatch, checkImportTarget } from "../core/import-rules.js";
import type { ImportRefusal } from "../core/import-rules.js";
import type { OrderContent, RemoteOrder, RemoteSubscription, SeatChange, StateOrder } from "../core/model.js";
import { createObservedRecord, selectLineItemSubscriptions } from "../core/observed-seats.js";
import type { FieldDifference } from "../core/plan.js";
import type { Customer } from "../partner-center/types.js";
import type { InvalidProject, OperationContext } from "./context.js";
import { openPartnerCenter } from "./open-partner-center.js";
import { isInvalid, loadUsableProject } from "./load-project.js";
import { openStateStore } from "./project.js";

export interface ImportOptions {
  /** The declared order's name. */
  name: string;
  /** The Partner Center order id. */
  orderId: string;
  lockTimeoutMs: number;
}

export type ImportResult =
  | InvalidProject
  /** Nothing was imported: the order differs from the declaration. */
  | { kind: "mismatch"; differences: FieldDifference[] }
  /** `observed`: the seat changes made outside orderform since the order was placed. */
  | { kind: "imported"; observed: SeatChange[] };

export async function runImportOperation(
  ctx: OperationContext,
  options: ImportOptions,
): Promise<ImportResult> {
  const { name, orderId } = options;
  const project = await loadUsableProject(ctx);
  if (isInvalid(project)) return project;
  const declared = project.orders.find((o) => o.name === name);
  if (declared === undefined) {
    throw new OrderformError("import.not-declared", `no declared order named ${name}`, {
      hint: "`orderform validate` lists the order files; the name is the `name:` key.",
    });
  }
  const session = await (
    await openStateStore(project.loaded, ctx)
  ).open(`import ${name}`, {
    timeoutMs: options.lockTimeoutMs,
    signal: ctx.signal,
  });
  try {
    const state = session.current();
    const refusal = checkImportTarget({ name, orderId, state });
    if (refusal !== null) throw createImportError(refusal);
    const pc = await openPartnerCenter(project.loaded, ctx.env, ctx.toolVersion);
    let remote: RemoteOrder | null;
    let subscriptions: RemoteSubscription[] = [];
    let customer: Customer | null = null;
    try {
      remote = await pc.client.getOrder(declared.customer, orderId);
      if (remote !== null)
        subscriptions = await pc.client.listSubscriptionsByOrder(declared.customer, remote.id);
      // The customer's name, when state has none (docs/state.md, "Customer names"): one more GET.
      if (remote !== null && selectRecordedName(state, declared.customer) === undefined)
        customer = await pc.client.getCustomer(declared.customer);
    } finally {
      await pc.close();
    }
    const match = checkImportMatch({
      declared,
      orderId,
      remote,
      subscriptions,
      state,
      clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
    });
    if (match.kind === "refused") throw createImportError(match.refusal);
    if (match.kind === "mismatch") return { kind: "mismatch", differences: match.differences };
    if (remote === null) throw new Error("bug: an import bound to no order");
    const now = new Date();
    const order = createImportedOrder(
      name,
      match.content,
      remote,
      selectLineItemSubscriptions(remote, subscriptions),
      now,
    );
    await session.append({ type: "created", order });
    if (customer !== null) {
      const names = new Map([[declared.customer, customer.companyName]]);
      for (const entry of createCustomerEntries(names, state, { seenAt: now.toISOString(), update: false }))
        await session.append(entry);
    }
    await session.commit({
      command: `import ${name} ${orderId}`,
      summary: `imported order ${orderId} as ${name}${describeObservedSeats(order)}`,
    });
    return { kind: "imported", observed: order.seatChanges ?? [] };
  } finally {
    await session.release();
  }
}

/**
 * The record of an order orderform did not place, declared as `content` (the seats now): origin
 * `imported`, `applied` as placed, and the seats changed since as observed seat changes.
 */
export function createImportedOrder(
  name: string,
  content: OrderContent,
  remote: RemoteOrder,
  lineSubscriptions: ReadonlyArray<RemoteSubscription | undefined>,
  now: Date,
): StateOrder {
  const observed = createObservedRecord(content, remote, lineSubscriptions, now.toISOString());
  const order = createStateOrder(name, observed.applied, "", remote, "imported", now);
  return observed.seatChanges === undefined ? order : { ...order, seatChanges: observed.seatChanges };
}

/** The history summary's note of seats observed at import, or "". */
function describeObservedSeats(order: StateOrder): string {
  const changes = order.seatChanges ?? [];
  if (changes.length === 0) return "";
  return ` (seats observed: ${changes.map((c) => `lineItems[${c.lineItemNumber}] ${c.from} -> ${c.to}`).join(", ")})`;
}

function createImportError(refusal: ImportRefusal): OrderformError {
  return new OrderformError(
    refusal.code,
    refusal.message,
    refusal.hint === undefined ? {} : { hint: refusal.hint },
  );
}
