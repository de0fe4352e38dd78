/**
 * Customer names (docs/planning.md, "Customer names"; docs/state.md): which customers a plan reads
 * by id because it would buy for them and state has no name, the name an action shows, and the
 * state records that keep what a command learned. Pure.
 *
 * Company names come from Partner Center and are untrusted text: they are kept as sent and escaped
 * where they are shown (src/render/customer-label.ts), never used in a decision.
 */
import { compareStrings } from "./compare.js";
import type { CustomerRecord, DesiredOrder, RemoteSnapshot, StateFile } from "./model.js";
import type { PlanAction } from "./plan.js";
import { createCustomerFilter, isCustomerSelected } from "./plan-scope.js";
import type { JournalEntry } from "./state-journal.js";
import { selectOwnSlot } from "./state-journal.js";

/** The company name state keeps for a customer (any case of the tenant id), if any. */
export function selectRecordedName(state: StateFile | null, customer: string): string | undefined {
  return selectOwnSlot(state?.customers, customer.toLowerCase())?.companyName;
}

/**
 * The customers a plan reads by id (one GET each, never one per order): those with a declaration
 * that is neither recorded nor pending in state, so a create, and no recorded name; narrowed by the
 * --customer filter. Lower case, sorted.
 */
export function selectCustomersToName(input: {
  desired: readonly DesiredOrder[];
  state: StateFile | null;
  customers: readonly string[];
}): string[] {
  const { state } = input;
  const filter = createCustomerFilter(input.customers);
  const selected = new Set<string>();
  for (const d of input.desired) {
    if (!isCustomerSelected(filter, d.customer)) continue;
    if (selectOwnSlot(state?.orders, d.name) !== undefined) continue;
    if (selectOwnSlot(state?.pending, d.name) !== undefined) continue;
    if (selectRecordedName(state, d.customer) === undefined) selected.add(d.customer.toLowerCase());
  }
  return [...selected].sort(compareStrings);
}

/** The actions with their customer's company name, from state or else from this plan's reads. */
export function nameActions(
  actions: readonly PlanAction[],
  state: StateFile | null,
  remote: Pick<RemoteSnapshot, "companyNames">,
): PlanAction[] {
  return actions.map((action) => {
    const companyName =
      selectRecordedName(state, action.customer) ??
      selectOwnSlot(remote.companyNames, action.customer.toLowerCase());
    return companyName === undefined ? action : { ...action, companyName };
  });
}

/**
 * The records that keep what a command learned: one per customer whose name state has not, or
 * (with `update`) has otherwise. Sorted by customer.
 */
export function createCustomerEntries(
  names: ReadonlyMap<string, string>,
  state: StateFile | null,
  options: { seenAt: string; update: boolean },
): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const [id, companyName] of [...names].sort(([a], [b]) => compareStrings(a, b))) {
    const customer = id.toLowerCase();
    const recorded = selectRecordedName(state, customer);
    if (recorded === companyName || (recorded !== undefined && !options.update)) continue;
    entries.push({ type: "customer", customer, record: { companyName, seenAt: options.seenAt } });
  }
  return entries;
}

/**
 * What apply's record of a placed order carries of its customer: the plan's company name when state
 * has none, so the name is kept with the order that taught it (`{}` otherwise).
 */
export function selectNewCustomerName(
  action: Pick<PlanAction, "customer" | "companyName">,
  state: StateFile,
  now: Date,
): { customer?: CustomerRecord } {
  if (action.companyName === undefined || selectRecordedName(state, action.customer) !== undefined) return {};
  return { customer: { companyName: action.companyName, seenAt: now.toISOString() } };
}

// C0 and C1 controls (ANSI escapes, newlines), DEL, line and paragraph separators, and the
// bidirectional overrides that make text read otherwise than it is stored.
// eslint-disable-next-line no-control-regex -- control characters are what is removed
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** Untrusted text on one line: each run of control or layout characters becomes one space. */
export function normalizePrintable(text: string): string {
  return text.replace(UNPRINTABLE, " ").trim();
}
