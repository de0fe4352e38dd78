/**
 * What a plan covers (pure): which customers' lists it needs, which placed orders to look up by id,
 * and the small rules the planner and those selections share (customer filter, visibility window).
 */
import { diffFromDeclared, compareStrings, parseTimestampMs } from "./compare.js";
import type { DesiredOrder, RemoteSnapshot, StateFile, StateOrder } from "./model.js";
import type { PlanOptions } from "./planner.js";
import { selectCurrentContent } from "./seat-changes.js";

/**
 * The customers whose order lists the plan needs: those of the declared orders, the state orders and
 * the pending intents, narrowed by options.customers. Sorted.
 */
export function selectCustomersToList(
  desired: DesiredOrder[],
  state: StateFile | null,
  options: Pick<PlanOptions, "customers">,
): string[] {
  const filter = createCustomerFilter(options.customers);
  const customers = new Set<string>();
  const add = (customer: string): void => {
    if (isCustomerSelected(filter, customer)) customers.add(customer.toLowerCase());
  };
  for (const d of desired) add(d.customer);
  for (const o of Object.values(state?.orders ?? {})) add(o.customer);
  for (const i of Object.values(state?.pending ?? {})) add(i.customer);
  return [...customers].sort(compareStrings);
}

/**
 * The customers a `--refresh=false` plan lists (docs/planning.md, "Refresh"): those with a create
 * (declared, not in state), a declaration that differs from its record (a seat change needs the
 * subscription; a conflict may become a --replace create), a pending intent or seat change, a
 * --replace name, or a record Partner Center has not confirmed yet (status pending or unknown, or
 * recorded within the visibility window). Every other customer's orders are trusted as recorded.
 * Listing the customers with creates keeps the duplicate checks and adoption of every create;
 * narrowed by options.customers like selectCustomersToList. Sorted.
 */
export function selectCustomersWithWork(input: {
  desired: DesiredOrder[];
  state: StateFile | null;
  now: string;
  options: Pick<PlanOptions, "customers" | "replace" | "visibilityWindowMs">;
}): string[] {
  const { state, options } = input;
  const nowMs = requireTimestamp(input.now, "now");
  const filter = createCustomerFilter(options.customers);
  const replace = new Set(options.replace);
  const orders = state?.orders ?? {};
  const customers = new Set<string>();
  const add = (customer: string): void => {
    if (isCustomerSelected(filter, customer)) customers.add(customer.toLowerCase());
  };
  for (const d of input.desired) {
    const record = Object.prototype.hasOwnProperty.call(orders, d.name) ? orders[d.name] : undefined;
    if (record === undefined || replace.has(d.name)) add(d.customer);
    else if (diffFromDeclared(selectCurrentContent(record), d).length > 0) add(d.customer);
  }
  for (const o of Object.values(orders)) {
    const unconfirmed = o.status === "pending" || o.status === "unknown";
    if (unconfirmed || replace.has(o.name) || isWithinWindow(o, nowMs, options.visibilityWindowMs))
      add(o.customer);
  }
  for (const i of Object.values(state?.pending ?? {})) add(i.customer);
  for (const u of Object.values(state?.pendingUpdates ?? {})) add(u.customer);
  return [...customers].sort(compareStrings);
}

/**
 * The placed orders to GET by id: state orders the planner will check against Partner Center
 * (declared, not pending, no conflict) whose customer was listed, that the list does not show, and
 * that are older than the visibility window. Orders not listed at all stay "not-checked" instead.
 */
export function selectOrdersToFetch(input: {
  desired: DesiredOrder[];
  state: StateFile | null;
  lists: RemoteSnapshot["lists"];
  now: string;
  options: Pick<PlanOptions, "customers" | "visibilityWindowMs">;
}): { customer: string; orderId: string }[] {
  const nowMs = requireTimestamp(input.now, "now");
  const filter = createCustomerFilter(input.options.customers);
  // Built only once an order is missing from its list: usually none is (docs/performance.md).
  let declared: Map<string, DesiredOrder> | undefined;
  const out: { customer: string; orderId: string }[] = [];
  const pending = input.state?.pending ?? {};
  // The subjects createPlan would build (collectSubjects), walked from the state side: only a
  // state order with a declaration and no selected intent is checked against Partner Center.
  for (const [name, stateOrder] of Object.entries(input.state?.orders ?? {})) {
    const customer = stateOrder.customer.toLowerCase();
    if (!isCustomerSelected(filter, customer)) continue;
    // The list check first: it is cheap and settles almost every order (all conditions must hold).
    const list = input.lists[customer];
    if (list === undefined || list.some((o) => sameId(o.id, stateOrder.orderId))) continue;
    declared ??= indexDesired(input.desired, filter).declared;
    const decl = declared.get(name);
    if (decl === undefined) continue;
    const intent = Object.prototype.hasOwnProperty.call(pending, name) ? pending[name] : undefined;
    if (intent !== undefined && isCustomerSelected(filter, intent.customer)) continue;
    if (diffFromDeclared(stateOrder.applied, decl).length > 0) continue;
    if (isWithinWindow(stateOrder, nowMs, input.options.visibilityWindowMs)) continue;
    out.push({ customer, orderId: stateOrder.orderId });
  }
  return out.sort((a, b) => compareStrings(a.customer, b.customer) || compareStrings(a.orderId, b.orderId));
}

/** Young enough to be missing from the list. Unreadable timestamps count as old (looked up by id). */
export function isWithinWindow(stateOrder: StateOrder, nowMs: number, windowMs: number): boolean {
  const times = [stateOrder.recordedAt, stateOrder.creationDate]
    .map(parseTimestampMs)
    .filter((t): t is number => t !== undefined);
  if (times.length === 0) return false;
  return nowMs - Math.max(...times) < windowMs;
}

export function indexDesired(
  desired: readonly DesiredOrder[],
  filter: CustomerFilter,
): { declared: Map<string, DesiredOrder>; duplicates: string[] } {
  const declared = new Map<string, DesiredOrder>();
  const duplicates = new Set<string>();
  for (const order of desired) {
    if (!isCustomerSelected(filter, order.customer)) continue;
    if (declared.has(order.name)) duplicates.add(order.name);
    else declared.set(order.name, order);
  }
  return { declared, duplicates: [...duplicates].sort(compareStrings) };
}

/** The `--customer` values, lower-case; null when none was given (every customer is selected). */
export type CustomerFilter = ReadonlySet<string> | null;

export function createCustomerFilter(customers: readonly string[]): CustomerFilter {
  return customers.length === 0 ? null : new Set(customers.map((c) => c.toLowerCase()));
}

/**
 * The one rule for which customers a plan covers, whoever asks: the planner's subjects
 * (declarations, state records, intents), the lists the fetch step requests and the orders it
 * looks up by id all pass through it, so that nothing is planned for a customer whose list was not
 * read and no list is read for a customer nothing is planned for.
 */
export function isCustomerSelected(filter: CustomerFilter, customer: string): boolean {
  return filter === null || filter.has(customer.toLowerCase());
}

export function sameId(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

export function requireTimestamp(text: string, what: string): number {
  const ms = parseTimestampMs(text);
  // A bad `now` is the caller's bug (it comes from the clock), not a user problem.
  if (ms === undefined) throw new Error(`${what} is not an ISO-8601 timestamp: ${text}`);
  return ms;
}
