/**
 * Which of Partner Center's orders `orderform generate` declares, and as what (pure; docs/generate.md).
 *
 * An order is generated when nothing in state accounts for it: no record binds it (also not as an
 * order a `--replace` superseded) and no pending create may have placed it (those are finished by
 * apply, which records them under their own names). Cancelled orders are skipped and counted.
 * An order whose content a declaration that state does not record matches is left to
 * `import NAME ORDER_ID` and listed: that declaration is probably the order's own, its record lost
 * (state rolled back, or written by another checkout), and plan blocks its create as a duplicate
 * only while the order is untracked. Recording the order under a generated name would let plan buy
 * it a second time for the declaration.
 * An order whose content orderform cannot declare (a billing cycle, term or offer id the order
 * schema does not take, no line items, more than 50, a quantity outside 1..100000) is skipped and
 * listed with the reason, so the partner can declare it by hand and `import` it.
 *
 * The declaration is the order's purchase content exactly as `import` compares it
 * (matchesRemote): customer, billing cycle, and per line item the offer id, quantity and term,
 * the quantity being the line item's subscription's seats now when the customer's subscriptions
 * were read (src/core/observed-seats.ts). So the record generate writes is the record
 * `import NAME ORDER_ID` would write for the same file.
 */
import { compareStrings, matchesRemote } from "./compare.js";
import { createOrderBindings, mayIntentHavePlaced } from "./duplicates.js";
import { createCustomerNames, selectCustomerFolders, type TakenName } from "./generate-names.js";
import { createCurrentOrder, selectLineItemSubscriptions } from "./observed-seats.js";
import { normalizeBillingCycle, normalizeTermDuration } from "./order-terms.js";
import type {
  DesiredLineItem,
  DesiredOrder,
  OrderContent,
  PendingIntent,
  RemoteOrder,
  RemoteSubscription,
  StateFile,
  TermDuration,
} from "./model.js";

export interface GenerateCustomer {
  id: string; // lower-case GUID
  companyName: string;
}

export interface GeneratedOrder {
  declaration: DesiredOrder;
  /** The order as listed (its quantities as placed). */
  remote: RemoteOrder;
  /** Per line item of `remote` in number order, its subscription when read (selectLineItemSubscriptions). */
  lineSubscriptions: Array<RemoteSubscription | undefined>;
  companyName: string;
}

export interface UnsupportedOrder {
  customer: string;
  orderId: string;
  reason: string;
}

/** An order left to `import NAME ORDER_ID`: the declaration NAME, not in state, matches it. */
export interface DeclaredOrder {
  customer: string;
  orderId: string;
  name: string;
}

export interface GenerateSelection {
  /** Sorted by customer, then name. */
  generated: GeneratedOrder[];
  cancelled: number;
  /** Orders a state record or pending create accounts for. */
  tracked: number;
  unsupported: UnsupportedOrder[];
  declared: DeclaredOrder[];
}

/** schemas/order.schema.json's offerId pattern. */
const OFFER_ID =
  /^(?:[A-Za-z0-9]+:[A-Za-z0-9]+:[A-Za-z0-9]+|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|MS-AZR-[A-Za-z0-9]+)$/;
const MAX_LINE_ITEMS = 50;
const MAX_QUANTITY = 100_000;

/** Whether state accounts for a listed order: a record binds it, or a pending create may have placed it. */
export function createOrderAccounting(
  state: StateFile | null,
  clockSkewMs: number,
): (order: RemoteOrder) => boolean {
  const bound = createOrderBindings(state);
  const intents = new Map<string, PendingIntent[]>();
  for (const intent of Object.values(state?.pending ?? {})) {
    const key = intent.customer.toLowerCase();
    intents.set(key, [...(intents.get(key) ?? []), intent]);
  }
  return (order) =>
    bound.has(order.id.toLowerCase()) ||
    (intents.get(order.customer.toLowerCase()) ?? []).some((intent) =>
      mayIntentHavePlaced(intent, order, clockSkewMs),
    );
}

/**
 * The declaration that state does not record and whose content matches a listed order, if any
 * (the first by name). `ownFiles`: declaration name -> the order id whose generate file the
 * declaration lives in, unchanged at the path generate gives it (an earlier run that stopped
 * before recording it); such a declaration does not claim its own order, which the rerun adopts.
 */
export function createDeclaredMatcher(input: {
  desired: readonly DesiredOrder[];
  state: StateFile | null;
  ownFiles: ReadonlyMap<string, string>;
}): (order: RemoteOrder) => string | undefined {
  const orders = input.state?.orders ?? {};
  const byCustomer = new Map<string, DesiredOrder[]>();
  for (const d of [...input.desired].sort((a, b) => compareStrings(a.name, b.name))) {
    if (Object.prototype.hasOwnProperty.call(orders, d.name)) continue;
    const key = d.customer.toLowerCase();
    byCustomer.set(key, [...(byCustomer.get(key) ?? []), d]);
  }
  return (order) =>
    (byCustomer.get(order.customer.toLowerCase()) ?? []).find(
      (d) => input.ownFiles.get(d.name)?.toLowerCase() !== order.id.toLowerCase() && matchesRemote(d, order),
    )?.name;
}

/**
 * The own files (createDeclaredMatcher's `ownFiles`) that no record and no generated order of
 * this run holds, as [name, order id] sorted by name: files of a run killed before the state, whose
 * order is not declared now (cancelled since, or accounted for otherwise). Plan would buy them.
 */
export function selectLeftoverFiles(
  ownFiles: ReadonlyMap<string, string>,
  state: StateFile | null,
  generated: readonly GeneratedOrder[],
): Array<[string, string]> {
  const names = new Set(generated.map((g) => g.declaration.name));
  const orders = state?.orders ?? {};
  return [...ownFiles]
    .filter(([name]) => !names.has(name) && !Object.prototype.hasOwnProperty.call(orders, name))
    .sort(([a], [b]) => compareStrings(a, b));
}

/**
 * Whether a customer's list holds an order to declare (or to list as unsupported): one that state
 * does not account for and that is not cancelled. Only such a customer's subscriptions are read.
 */
export function hasOrdersToDeclare(
  list: readonly RemoteOrder[],
  isAccounted: (order: RemoteOrder) => boolean,
): boolean {
  return list.some((order) => order.status !== "cancelled" && !isAccounted(order));
}

/**
 * The selection for one customer's order list, named in the customer's folder
 * (selectCustomerFolders); each line item declared with its subscription's seats when
 * `subscriptions` (the customer's) holds it, else with the order's quantity.
 */
export function selectCustomerOrders(input: {
  customer: GenerateCustomer;
  list: readonly RemoteOrder[];
  subscriptions?: readonly RemoteSubscription[];
  folder: string;
  isAccounted: (order: RemoteOrder) => boolean;
  /** The declaration not in state that matches the order (createDeclaredMatcher). */
  declaredBy: (order: RemoteOrder) => string | undefined;
  /** The taken names, lower case. */
  used: ReadonlySet<string>;
}): GenerateSelection {
  const { customer } = input;
  const selection = createEmptySelection();
  const declarable: Array<{
    remote: RemoteOrder;
    content: OrderContent;
    lineSubscriptions: Array<RemoteSubscription | undefined>;
  }> = [];
  for (const remote of input.list) {
    if (input.isAccounted(remote)) {
      selection.tracked += 1;
      continue;
    }
    if (remote.status === "cancelled") {
      selection.cancelled += 1;
      continue;
    }
    const lineSubscriptions = selectLineItemSubscriptions(remote, input.subscriptions ?? []);
    const current = createCurrentOrder(remote, lineSubscriptions);
    // A declaration may say the order as placed or its seats now (a record lost after a seat change).
    const declaredAs = input.declaredBy(remote) ?? input.declaredBy(current);
    if (declaredAs !== undefined) {
      selection.declared.push({ customer: customer.id, orderId: remote.id, name: declaredAs });
      continue;
    }
    const content = createContentFromRemote(current);
    if (typeof content === "string")
      selection.unsupported.push({ customer: customer.id, orderId: remote.id, reason: content });
    else declarable.push({ remote, content, lineSubscriptions });
  }
  const names = createCustomerNames(
    input.folder,
    declarable.map(({ remote, content }) => ({
      orderId: remote.id,
      creationDate: remote.creationDate,
      offerIds: content.lineItems.map((item) => item.offerId),
    })),
    input.used,
  );
  for (const { remote, content, lineSubscriptions } of declarable) {
    const name = names.get(remote.id) ?? "";
    selection.generated.push({
      declaration: { name, ...content },
      remote,
      lineSubscriptions,
      companyName: customer.companyName,
    });
  }
  return selection;
}

/** The selection for every customer at once; sorted by customer, then name. */
export function selectOrdersToGenerate(input: {
  customers: readonly GenerateCustomer[];
  /** Customer id -> that customer's order list. */
  lists: Readonly<Record<string, readonly RemoteOrder[]>>;
  /** Customer id -> that customer's subscriptions, where read. */
  subscriptions?: Readonly<Record<string, readonly RemoteSubscription[]>>;
  state: StateFile | null;
  taken: readonly TakenName[];
  clockSkewMs: number;
  /** The project's declarations (createDeclaredMatcher); none when absent. */
  desired?: readonly DesiredOrder[];
  ownFiles?: ReadonlyMap<string, string>;
}): GenerateSelection {
  const isAccounted = createOrderAccounting(input.state, input.clockSkewMs);
  const declaredBy = createDeclaredMatcher({
    desired: input.desired ?? [],
    state: input.state,
    ownFiles: input.ownFiles ?? new Map(),
  });
  const folders = selectCustomerFolders(
    input.customers.map((c) => ({ customer: c.id, companyName: c.companyName })),
    input.taken,
  );
  const used = new Set(input.taken.map((t) => t.name.toLowerCase()));
  const all = createEmptySelection();
  for (const customer of input.customers) {
    const part = selectCustomerOrders({
      customer,
      list: input.lists[customer.id] ?? [],
      ...(input.subscriptions?.[customer.id] === undefined
        ? {}
        : { subscriptions: input.subscriptions[customer.id] }),
      folder: folders.get(customer.id) ?? "",
      isAccounted,
      declaredBy,
      used,
    });
    mergeSelection(all, part);
  }
  all.generated.sort(compareGenerated);
  return all;
}

/** Adds `part` to `into` (generated orders appended as they come). */
export function mergeSelection(into: GenerateSelection, part: GenerateSelection): void {
  into.generated.push(...part.generated);
  into.cancelled += part.cancelled;
  into.tracked += part.tracked;
  into.unsupported.push(...part.unsupported);
  into.declared.push(...part.declared);
}

export function createEmptySelection(): GenerateSelection {
  return { generated: [], cancelled: 0, tracked: 0, unsupported: [], declared: [] };
}

/** Customer, then name. */
export function compareGenerated(a: GeneratedOrder, b: GeneratedOrder): number {
  return (
    compareStrings(a.declaration.customer, b.declaration.customer) ||
    compareStrings(a.declaration.name, b.declaration.name)
  );
}

/** The order's purchase content in the declaration's terms, or why it cannot be declared. */
export function createContentFromRemote(remote: RemoteOrder): OrderContent | string {
  const billingCycle = normalizeBillingCycle(normalizeEnum(remote.billingCycle));
  if (billingCycle === null) return `billing cycle ${JSON.stringify(remote.billingCycle)} cannot be declared`;
  const items = [...remote.lineItems].sort((a, b) => a.lineItemNumber - b.lineItemNumber);
  if (items.length === 0) return "the order has no line items";
  if (items.length > MAX_LINE_ITEMS)
    return `the order has ${items.length} line items, more than ${MAX_LINE_ITEMS}`;
  const lineItems: DesiredLineItem[] = [];
  for (const [index, item] of items.entries()) {
    if (!OFFER_ID.test(item.offerId)) return `offer id ${JSON.stringify(item.offerId)} cannot be declared`;
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY)
      return `quantity ${item.quantity} of line item ${index} is outside 1..${MAX_QUANTITY}`;
    let termDuration: TermDuration | undefined;
    if (item.termDuration !== undefined && item.termDuration !== "") {
      termDuration = normalizeTermDuration(item.termDuration) ?? undefined;
      if (termDuration === undefined) return `term ${JSON.stringify(item.termDuration)} cannot be declared`;
    }
    lineItems.push({
      lineItemNumber: index,
      offerId: item.offerId,
      quantity: item.quantity,
      ...(termDuration === undefined ? {} : { termDuration }),
    });
  }
  return { customer: remote.customer.toLowerCase(), billingCycle, lineItems };
}

/** Partner Center's spelling with every separator dropped ("One-Time" -> "onetime"), before the shared table. */
function normalizeEnum(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, "");
}
