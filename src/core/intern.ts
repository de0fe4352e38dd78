/**
 * One string for each distinct value. JSON.parse and the YAML parser give every occurrence of a
 * value its own string, and an estate repeats the same few values in every record: the customer's
 * tenant id, the offer id, the billing cycle, the term, the status. Keeping one copy of each makes
 * the parsed state about a fifth smaller (docs/performance.md, "Where a plan's time goes"). Pure: a pool is a
 * Map owned by its caller and dropped with it.
 */
import type { RemoteOrder, RemoteSubscription } from "./model.js";

/** Returns the pool's copy of `text`, adding `text` when it is new. */
export type StringPool = (text: string) => string;

export function createStringPool(): StringPool {
  const strings = new Map<string, string>();
  return (text) => {
    const known = strings.get(text);
    if (known !== undefined) return known;
    strings.set(text, text);
    return text;
  };
}

/**
 * The properties whose values repeat from record to record, in state, in order files and in
 * Partner Center's lists. Names, ids and dates occur once each: a pool entry for them would cost
 * more (about 90 bytes in the Map) than it could ever save.
 */
export const REPEATED_KEYS: ReadonlySet<string> = new Set([
  "customer",
  "billingCycle",
  "offerId",
  "termDuration",
  "status",
  "origin",
  "friendlyName",
  "partnerIdOnRecord",
  "file",
]);

/**
 * Replaces strings in a parsed JSON value (objects, arrays, strings) with the pool's copy, in
 * place, and returns the value: every string, or with `keys` only the values of properties so
 * named, at any depth. Keys are left alone: the parser already shares them. Walked with a stack of
 * its own, not by recursion: JSON.parse accepts nesting deeper than the call stack.
 */
export function internStrings<T>(
  value: T,
  pool: StringPool = createStringPool(),
  keys?: ReadonlySet<string>,
): T {
  const open: unknown[] = [value];
  for (let container = open.pop(); container !== undefined; container = open.pop()) {
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i += 1) {
        const item: unknown = container[i];
        if (typeof item === "string") {
          if (keys === undefined) container[i] = pool(item);
        } else if (item !== null && typeof item === "object") open.push(item);
      }
    } else if (container !== null && typeof container === "object") {
      const record = container as Record<string, unknown>;
      for (const key in record) {
        const item = record[key];
        if (typeof item === "string") {
          if (keys === undefined || keys.has(key)) record[key] = pool(item);
        } else if (item !== null && typeof item === "object") open.push(item);
      }
    }
  }
  return value;
}

/**
 * A customer's two lists with their repeated values shared: `pool` is the run's, for the values
 * every customer repeats (statuses, billing cycles, offer and term ids, the customer id itself);
 * the order ids a subscription names are shared with that customer's orders. Ids that occur once
 * (orders, subscriptions, dates) stay out of the run's pool, which would otherwise hold one entry
 * per order for as long as the listing runs.
 */
export function internRemoteLists(
  customer: string,
  orders: RemoteOrder[],
  subscriptions: RemoteSubscription[] | undefined,
  pool: StringPool,
): void {
  const orderIds = createStringPool();
  const id = pool(customer);
  for (const order of orders) {
    order.id = orderIds(order.id);
    order.customer = order.customer === customer ? id : pool(order.customer);
    order.billingCycle = pool(order.billingCycle);
    for (const item of order.lineItems) {
      item.offerId = pool(item.offerId);
      if (item.termDuration !== undefined) item.termDuration = pool(item.termDuration);
      if (item.friendlyName !== undefined) item.friendlyName = pool(item.friendlyName);
      if (item.partnerIdOnRecord !== undefined) item.partnerIdOnRecord = pool(item.partnerIdOnRecord);
    }
  }
  for (const subscription of subscriptions ?? []) {
    subscription.status = pool(subscription.status);
    if (subscription.orderId !== undefined) subscription.orderId = orderIds(subscription.orderId);
    if (subscription.offerId !== undefined) subscription.offerId = pool(subscription.offerId);
  }
}
