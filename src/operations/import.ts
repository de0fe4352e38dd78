/**
 * The import operation: bind an existing Partner Center order to a declared order, under the state
 * lock, after the rules in src/core/import-rules.ts allow it.
 */
import { createStateOrder } from "../apply/applier.js";
import { DEFAULT_CLOCK_SKEW_MS } from "../core/adoption.js";
import { createCustomerEntries, selectRecordedName } from "../core/customer-names.js";
import { OrderformError } from "../core/errors.js";
import { checkImportMatch, checkImportTarget } from "../core/import-rules.js";
import type { ImportRefusal } from "../core/import-rules.js";
import type { RemoteOrder } from "../core/model.js";
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
  | { kind: "imported" };

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
  const session = await openStateStore(project.loaded, ctx).open(`import ${name}`, {
    timeoutMs: options.lockTimeoutMs,
    signal: ctx.signal,
  });
  try {
    const state = session.current();
    const refusal = checkImportTarget({ name, orderId, state });
    if (refusal !== null) throw createImportError(refusal);
    const pc = await openPartnerCenter(project.loaded, ctx.env, ctx.toolVersion);
    let remote: RemoteOrder | null;
    let customer: Customer | null = null;
    try {
      remote = await pc.client.getOrder(declared.customer, orderId);
      // The customer's name, when state has none (docs/state.md, "Customer names"): one more GET.
      if (remote !== null && selectRecordedName(state, declared.customer) === undefined)
        customer = await pc.client.getCustomer(declared.customer);
    } finally {
      await pc.close();
    }
    const match = checkImportMatch({ declared, orderId, remote, state, clockSkewMs: DEFAULT_CLOCK_SKEW_MS });
    if (match.kind === "refused") throw createImportError(match.refusal);
    if (match.kind === "mismatch") return { kind: "mismatch", differences: match.differences };
    if (remote === null) throw new Error("bug: an import bound to no order");
    const now = new Date();
    await session.append({
      type: "created",
      order: createStateOrder(name, match.content, "", remote, "imported", now),
    });
    if (customer !== null) {
      const names = new Map([[declared.customer, customer.companyName]]);
      for (const entry of createCustomerEntries(names, state, { seenAt: now.toISOString(), update: false }))
        await session.append(entry);
    }
    await session.commit({
      command: `import ${name} ${orderId}`,
      summary: `imported order ${orderId} as ${name}`,
    });
    return { kind: "imported" };
  } finally {
    await session.release();
  }
}

function createImportError(refusal: ImportRefusal): OrderformError {
  return new OrderformError(
    refusal.code,
    refusal.message,
    refusal.hint === undefined ? {} : { hint: refusal.hint },
  );
}
